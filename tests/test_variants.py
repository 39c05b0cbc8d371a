"""Every kind of what-if variant publishes (issue 9, "Any variant publishes"): --drop, --add,
--away, --fix and --set each on its own, published after the week's plan. In every case the
second publication raises SEQUENCE exactly where an event's content changed, cancels what left
once, records every request with the input row it came from (added ones marked), and carries
no trace of a hypothetical absence. What each variant plans depends on the solver; what is
asserted holds for any plan the variant may get."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import icalendar
import openpyxl
import pytest
from click.testing import CliRunner

from scheduler.cli import _write_plan, cli
from scheduler.ledger import Ledger
from scheduler.server import _with_bar
from tests.conftest import EXAMPLE, NOW, WEEK

LATER = "2026-12-04T18:00:00+08:00"
LATEST = "2026-12-04T19:00:00+08:00"
EXTRA_HEADER = "编号,会议名称,会议类型,主办单位,主要议题,主持领导,参会人数,拟用时长,最早日期,最晚日期,联系人备注"
EXTRA_ROW = "X01,冬季供暖保障专题会,专题会,市住房城乡建设局,研究冬季供暖保障,王志刚,15,60,2026-12-07,2026-12-08,张三 0571-1234"


def run(*args):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output + (result.stderr if result.stderr_bytes else "")
    return result


def extra_csv(folder: Path) -> Path:
    path = folder / "extra.csv"
    path.write_text(f"{EXTRA_HEADER}\n{EXTRA_ROW}\n", encoding="utf-8-sig")
    return path


VARIANTS = {
    "drop": lambda tmp: ["--drop", "H77"],
    "add": lambda tmp: ["--add", str(extra_csv(tmp))],
    "away": lambda tmp: ["--away", "孙海涛", "2026-12-07"],
    "fix": lambda tmp: ["--fix", "H43=2026-12-11 9:00"],
    "set": lambda tmp: ["--set", 'no_meeting_days=["周三","周四"]'],
    "all": lambda tmp: [
        "--drop", "H77", "--add", str(extra_csv(tmp)), "--away", "孙海涛", "2026-12-07", "--fix", "H43=2026-12-11 9:00",
        "--set", 'no_meeting_days=["周三","周四"]',
    ],
}


def feed_contents(folder: Path) -> dict[tuple[str, str], tuple[int, str, bytes]]:
    """(feed, UID) -> (SEQUENCE, STATUS, everything else the event says) over every published feed."""
    out = {}
    for path in sorted(folder.rglob("*.ics")):
        for event in icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT"):
            content = b"\r\n".join(
                line for line in event.to_ical().split(b"\r\n") if line.split(b":")[0].split(b";")[0] not in (b"DTSTAMP", b"SEQUENCE")
            )
            out[(str(path.relative_to(folder)), str(event["UID"]))] = (int(event.get("SEQUENCE", 0)), str(event.get("STATUS", "CONFIRMED")), content)
    return out


@pytest.mark.parametrize("kind", list(VARIANTS))
def test_each_kind_of_variant_publishes_cleanly(kind, tmp_path, example_problem, example_plan):
    planned, variant, pub, ledger_path = tmp_path / "out", tmp_path / "variant", tmp_path / "pub", tmp_path / "ledger.sqlite"
    _write_plan(example_problem, example_plan, planned, now=NOW, folder=EXAMPLE)
    common = ("--ledger", str(ledger_path), "--to", str(pub))
    run("publish", str(planned), *common, "--now", NOW.isoformat())
    week = pub / "2026-12-07" / "current"
    before = feed_contents(week)
    made = run("-q", "whatif", str(planned), *VARIANTS[kind](tmp_path), "-o", str(variant), "--now", LATER, "--time-limit", "10").output
    assert (variant / "plan.json").exists()
    printed = run("publish", str(variant), *common, "--now", LATER).output
    assert "第 2 次发布" in printed
    after = feed_contents(week)

    # SEQUENCE rises by one exactly where something the calendar shows changed; new events start at 0.
    for key, (seq, status, content) in after.items():
        if key not in before:
            assert seq == 0 and status != "CANCELLED", key
        elif status == "CANCELLED":
            assert seq == before[key][0] + 1, key
        elif content == before[key][2]:
            assert seq == before[key][0], key
        else:
            assert seq == before[key][0] + 1, key
    # Every event that left is published once as CANCELLED, in every feed that had it.
    left = {key for key in before if key not in after or after[key][1] == "CANCELLED"}
    assert all(after[key][1] == "CANCELLED" for key in left)
    plan = json.loads((week / "plan.json").read_text(encoding="utf-8"))
    held = {i["request_id"] for s in plan["sittings"] for i in s["items"]}
    if kind in ("drop", "all"):
        assert "H77" not in held and ("all.ics", "H77-20261207@scheduler") in left
    # The hypothetical absence shaped the plan but appears in no published file, nor in the ledger.
    for path in pub.rglob("*"):
        if path.is_file():
            assert "假设" not in path.read_bytes().decode("utf-8", "replace"), path
    with Ledger(ledger_path) as ledger:
        assert all("假设" not in p.plan_json for p in ledger.publications())
        assert not [f for f in ledger.feeds(2).values() if "假设".encode() in f]
        sources = {s["id"]: s for s in ledger.request_sources(2)}
        rows = {r["id"] for r in ledger.request_rows(WEEK, WEEK + timedelta(days=7))}
    # Every request of the publication is recorded with the row it was read from.
    assert set(sources) == rows
    assert sources["H01"]["source"] == "会议申请.csv" and sources["H01"]["row"] == 2 and not sources["H01"]["added"]
    assert sources["H01"]["cells"][0] == ("编号", "H01")
    if kind in ("add", "all"):
        x01 = sources["X01"]
        assert x01["added"] and (x01["source"], x01["sheet"], x01["row"]) == ("extra.csv", None, 2)
        assert x01["cells"] == list(zip(EXTRA_HEADER.split(","), EXTRA_ROW.split(",")))  # the whole row, the unread column too
        assert "追加的申请 X01 已连同输入行（extra.csv，第2行）记入台账" in printed
        if "X01" in held:
            assert after[("all.ics", "X01-20261207@scheduler")][0] == 0
    else:
        assert not any(s["added"] for s in sources.values()) and "追加的申请" not in printed
    if kind in ("fix", "all"):
        assert "按要求固定在2026-12-11 9:00开始" in made  # the request staff fixed says so
        h43 = next(s for s in plan["sittings"] if "H43" in s["request_ids"])
        assert next(i for i in h43["items"] if i["request_id"] == "H43")["start"].startswith("2026-12-11T09:00")
        with Ledger(ledger_path) as ledger:  # the week page's list of changes says so too
            page = _with_bar(b"<body></body>", ledger, ledger.latest(WEEK)).decode("utf-8")
        assert re.search(r"<li>H43 [^<]*按要求固定在2026-12-11 9:00开始", page), page
    if kind in ("set", "all"):
        assert not [s for s in plan["sittings"] if s["date"] == "2026-12-10"]
        thursday = {i.request_id for s in example_plan.sittings if s.start.date().isoformat() == "2026-12-10" for i in s.items}
        assert thursday and "12-10改为无会日，原时间不能再开" in made  # the cause in the variant, not "随本方案的调整而变动"
    if kind in ("away", "all"):
        assert "因孙海涛（假设）外出" in made  # the what-if itself names the absence
    if kind == "all":
        changes = {c["request"]: c for c in json.loads(run("diff", str(planned), str(variant), "--json").output)}
        assert changes["H77"]["changes"] == ["dropped"] and changes["H43"]["after"].startswith("12-11 09:00")
        assert "按要求固定在2026-12-11 9:00开始" in changes["H43"]["reason"]  # `diff` reads the cause from the variant too
        assert ("X01" in held) == (changes.get("X01", {}).get("changes") == ["added"])
        recorded = json.loads((variant / "plan.json").read_text(encoding="utf-8"))["variant"]
        assert recorded["drop"] == ["H77"] and recorded["add"] == [str((tmp_path / "extra.csv").resolve())]
        assert recorded["away"] == [["孙海涛", "2026-12-07"]] and "variant" in plan and plan["variant"]["away"] == []
    # Publishing the same variant again changes nothing, and a cancellation is not repeated.
    again = run("publish", str(variant), *common, "--now", LATEST).output
    assert "新增 0 项、变更 0 项、取消 0 项" in again
    final = feed_contents(week)
    assert not {key for key in left if key in final}
    assert {k: v[0] for k, v in final.items()} == {k: v[0] for k, v in after.items() if k not in left}
    if kind in ("add", "all"):
        # `plan` on the week re-plans against this publication and keeps the variant: its
        # plan publishes, the added request still recorded as added (the solve is stood in for
        # by the published plan itself: the inputs did not change).
        from scheduler.files import write_files
        from scheduler.intake import load_week
        from scheduler.whatif import plan_week

        replanned = plan_week(load_week(EXAMPLE, today=NOW.date()), folder=EXAMPLE, ledger_path=ledger_path, fresh=False, now=NOW, solver=lambda p, previous: previous)
        assert replanned.changes == [] and "X01" in replanned.problem.request_index
        write_files(tmp_path / "again", replanned.files)
        assert json.loads((tmp_path / "again" / "plan.json").read_text(encoding="utf-8"))["variant"]["add"] == [str((tmp_path / "extra.csv").resolve())]
        third = run("publish", str(tmp_path / "again"), *common, "--now", "2026-12-04T20:00:00+08:00").output
        assert "新增 0 项、变更 0 项、取消 0 项" in third and "追加的申请 X01" in third
        with Ledger(ledger_path) as ledger:
            assert {s["id"] for s in ledger.request_sources(4) if s["added"]} == {"X01"}


def test_an_added_workbook_row_keeps_its_sheet_row_and_every_column(tmp_path, example_problem):
    from scheduler.intake import load_extra_requests
    from scheduler.publish import source_rows
    from scheduler.whatif import add

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "会议申请"
    ws.append(["编号", "会议名称", "会议类型", "主办单位", "主持领导", "参会人数", "拟用时长", "另加的列"])
    ws.append([])
    ws.append(["X02", "冬季消防检查部署会", "专题会", "市消防救援支队", "王志刚", 12, 45, "随便写的"])
    wb.save(tmp_path / "追加.xlsx")
    problem = add(example_problem, load_extra_requests(tmp_path / "追加.xlsx", example_problem))
    rows = {r["id"]: r for r in source_rows(problem)}
    assert rows["X02"] == {
        "id": "X02", "source": "追加.xlsx", "sheet": "会议申请", "row": 3, "added": True,
        "cells": (("编号", "X02"), ("会议名称", "冬季消防检查部署会"), ("会议类型", "专题会"), ("主办单位", "市消防救援支队"),
                  ("主持领导", "王志刚"), ("参会人数", "12"), ("拟用时长", "45"), ("另加的列", "随便写的")),
    }
    assert not rows["H01"]["added"] and len(rows) == len(example_problem.requests) + 1


def test_a_ledger_of_the_previous_version_is_migrated_and_read(tmp_path, monkeypatch, example_problem, example_plan):
    """A ledger written before 0006 (no request_sources): readers (stats, the week page, tokens)
    open it, the migration adds the table, its old publications have no source rows, and the
    next publication records them."""
    from scheduler import ledger as module
    from scheduler import publish as publishing

    planned, ledger_path = tmp_path / "out", tmp_path / "ledger.sqlite"
    _write_plan(example_problem, example_plan, planned, now=NOW, folder=EXAMPLE)
    common = ("--ledger", str(ledger_path), "--to", str(tmp_path / "pub"))
    with monkeypatch.context() as old:  # the previous version: migrations 0001-0005, no source rows
        old.setattr(module, "MIGRATIONS", tuple(m for m in module.MIGRATIONS if m[0] < "0006"))
        old.setattr(publishing, "source_rows", lambda problem: [])
        run("publish", str(planned), *common, "--now", NOW.isoformat())
    db = sqlite3.connect(ledger_path)
    assert [r[0] for r in db.execute("SELECT name FROM migrations ORDER BY name")][-1] == "0005_request_classes"
    assert not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'request_sources'").fetchone()
    requests_before = db.execute("SELECT * FROM requests ORDER BY id").fetchall()
    db.close()
    # A reader of the new version opens it (and migrates it), reading what the old one wrote.
    stats = run("stats", "--ledger", str(ledger_path), "--week", "--json", WEEK.isoformat()).output
    assert json.loads(stats)["requests"] == len(example_problem.requests)
    with Ledger(ledger_path, create=False) as ledger:
        assert ledger.migrations()[-1] == "0006_request_sources"
        assert ledger.request_sources(1) == []
        assert ledger.db.execute("SELECT * FROM requests ORDER BY id").fetchall() == requests_before
    # The next publication of the new version records where every request came from.
    run("publish", str(planned), *common, "--now", LATER)
    with Ledger(ledger_path, create=False) as ledger:
        assert len(ledger.request_sources(2)) == len(example_problem.requests)
        assert ledger.request_sources(1) == []


def test_whatif_without_a_plan_or_a_publication_is_one_chinese_line(tmp_path):
    result = CliRunner().invoke(cli, ["whatif", "--ledger", str(tmp_path / "none.sqlite"), "--drop", "H77"])
    assert result.exit_code == 2 and "尚未发布任何安排；请先发布，或指定一个安排文件夹" in result.stderr
    assert not (tmp_path / "none.sqlite").exists()


def _commands(group, path=()):
    for name, command in group.commands.items():
        yield (*path, name), command
        if hasattr(command, "commands"):
            yield from _commands(command, (*path, name))


def test_every_ledger_and_now_option_is_the_shared_one():
    """--ledger and --now come from cli.ledger_option / cli.now_option wherever they appear."""
    import click

    from scheduler.cli import DEFAULT_LEDGER

    seen = set()
    for path, command in _commands(cli):
        for param in command.params:
            if "--ledger" in param.opts:
                seen.add("ledger")
                assert (param.name, param.metavar, param.default) == ("ledger_path", "文件", DEFAULT_LEDGER), path
                assert isinstance(param.type, click.Path) and not param.type.dir_okay, path
                assert param.help.endswith(f"；默认：{DEFAULT_LEDGER}。"), path
            if "--now" in param.opts:
                seen.add("now")
                assert (param.name, param.metavar, param.required, param.is_flag) == ("now_text", "时间", False, False), path
    assert seen == {"ledger", "now"}


def test_whatif_says_when_publishing_the_variant_would_break_a_hard_quota(tmp_path, example_copy, example_plan):
    """The variant is planned whatever the quotas (a what-if is for exploring), but its result
    names the hard quota publishing it would break — by the rule publish refuses it with."""
    from scheduler.intake import load_week
    from scheduler.publish import request_rows, sitting_rows

    with (example_copy / "week.toml").open("a", encoding="utf-8") as f:
        f.write('\n[quota]\nhard = true\n\n[[quota.caps]]\nunit = "市住房城乡建设局"\nclass = "全部"\ncap = 5\n')
    problem = load_week(example_copy, today=NOW.date())
    ledger_path, planned = tmp_path / "ledger.sqlite", tmp_path / "out"
    # The previous week's publication: 市住房城乡建设局 held two meetings (H11, H13) that week.
    last_week = replace(problem, week=problem.week - timedelta(days=7))
    rows = request_rows(last_week, example_plan)
    for row in rows:
        row["day"] = row["day"] and (date.fromisoformat(row["day"]) - timedelta(days=7)).isoformat()
    assert [r["id"] for r in rows if r["organiser"] == "市住房城乡建设局" and r["scheduled"]] == ["H11", "H13"]
    with Ledger(ledger_path) as ledger:
        ledger.record(week=last_week.week, published_at=NOW, input="", plan_json="{}", feeds={}, events=[],
                      requests=rows, sittings=sitting_rows(last_week, example_plan))
    _write_plan(problem, example_plan, planned, now=NOW, folder=example_copy)
    common = ("--ledger", str(ledger_path), "--now", LATER, "--time-limit", "10")
    breach = "X01「冬季供暖保障专题会」超出总量控制：市住房城乡建设局 全部 本年第6次，上限5（定额）"

    # The unit's sixth meeting this year (two held last week, H11, H13 and H14 asked this week, X01): over the cap of 5.
    over = run("-q", "whatif", str(planned), "--add", str(extra_csv(tmp_path)), "-o", str(tmp_path / "over"), *common).output
    assert "X01" in {i["request_id"] for s in json.loads((tmp_path / "over" / "plan.json").read_text(encoding="utf-8"))["sittings"] for i in s["items"]}
    assert "注意：此方案超出总量控制（只减不增）硬性上限 1 处，发布（scheduler publish）时将被拒绝：" in over
    assert f"  {breach}" in over
    refused = CliRunner().invoke(cli, ["publish", str(tmp_path / "over"), "--ledger", str(ledger_path), "--to", str(tmp_path / "pub"), "--now", LATER])
    assert refused.exit_code == 2 and breach in refused.output + refused.stderr
    assert not (tmp_path / "pub").exists()

    # The same addition in place of H14 keeps the unit at 5: nothing to say, and it publishes.
    within = run("-q", "whatif", str(planned), "--add", str(extra_csv(tmp_path)), "--drop", "H14", "-o", str(tmp_path / "within"), *common).output
    assert "总量控制" not in within and "超出" not in within
    assert "第 2 次发布" in run("publish", str(tmp_path / "within"), "--ledger", str(ledger_path), "--to", str(tmp_path / "pub"), "--now", LATER).output
