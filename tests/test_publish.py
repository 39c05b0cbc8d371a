"""publish -> whatif -> publish: UIDs stay, SEQUENCE rises for what changed, dropped events
appear once as CANCELLED; a publication killed at any point leaves a consistent state."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import vobject
from ical.calendar_stream import IcsCalendarStream
from click.testing import CliRunner

from scheduler.cli import _write_plan, cli
from scheduler.ledger import Ledger
from tests.conftest import EXAMPLE, NOW, WEEK

LATER = "2026-12-04T18:00:00+08:00"


@pytest.fixture
def planned(tmp_path, example_problem, example_plan) -> Path:
    out = tmp_path / "out"
    _write_plan(example_problem, example_plan, out, now=NOW, folder=EXAMPLE)
    return out


@pytest.fixture(scope="module")
def away_monday(tmp_path_factory, example_problem, example_plan) -> Path:
    """A variant of the example week with 孙海涛 away on Monday, planned once for the module."""
    root = tmp_path_factory.mktemp("variant")
    _write_plan(example_problem, example_plan, root / "out", now=NOW, folder=EXAMPLE)
    run("-q", "whatif", str(root / "out"), "--away", "孙海涛", "2026-12-07", "-o", str(root / "variant"), "--now", LATER, "--time-limit", "15")
    return root / "variant"


def run(*args, env=None):
    result = CliRunner().invoke(cli, list(args), env=env)
    assert result.exit_code == 0, result.output + (result.stderr if result.stderr_bytes else "")
    return result


def events(path: Path) -> dict[str, tuple]:
    """UID -> (SEQUENCE, STATUS, start, end); the feed must also satisfy the strict `ical` parser."""
    text = path.read_text(encoding="utf-8")
    strict = {e.uid: e.dtstart for e in IcsCalendarStream.calendar_from_ics(text).events}
    cal = vobject.readOne(text)
    assert strict == {e.uid.value: e.dtstart.value for e in getattr(cal, "vevent_list", [])}
    return {e.uid.value: (int(e.sequence.value), e.status.value, e.dtstart.value, e.dtend.value) for e in getattr(cal, "vevent_list", [])}


def publish(plan_dir: Path, tmp_path: Path, now: str = NOW.isoformat()):
    return run("publish", str(plan_dir), "--ledger", str(tmp_path / "ledger.sqlite"), "--to", str(tmp_path / "pub"), "--now", now)


def current(tmp_path: Path) -> Path:
    return tmp_path / "pub" / "2026-12-07" / "current"


def test_ledger_migrations_are_numbered_and_run_once(tmp_path, monkeypatch):
    from scheduler import ledger as module

    everything = module.MIGRATIONS
    monkeypatch.setattr(module, "MIGRATIONS", everything[:1])  # a ledger made by an older version
    with Ledger(tmp_path / "l.sqlite") as ledger:
        assert ledger.migrations() == ["0001_publications"]
    monkeypatch.setattr(module, "MIGRATIONS", everything)
    with Ledger(tmp_path / "l.sqlite") as ledger:  # brought up to date on opening
        assert ledger.migrations() == ["0001_publications", "0002_statistics", "0003_tokens", "0004_annual_plans", "0005_request_classes", "0006_request_sources"]
    with Ledger(tmp_path / "l.sqlite") as ledger:
        assert ledger.migrate() == []


def test_publishing_the_same_plan_twice_changes_nothing(planned, tmp_path):
    first = publish(planned, tmp_path)
    assert "第 1 次发布" in first.output
    before = events(current(tmp_path) / "all.ics")
    assert before and all(seq == 0 for seq, *_ in before.values())
    second = publish(planned, tmp_path, LATER)
    assert "新增 0 项、变更 0 项、取消 0 项" in second.output
    assert events(current(tmp_path) / "all.ics") == before
    assert os.readlink(current(tmp_path)) == "v0002"


def test_publish_whatif_publish(planned, tmp_path, example_plan):
    publish(planned, tmp_path)
    leader_feed = current(tmp_path) / "leaders" / "L06.ics"
    before_all, before_leader = events(current(tmp_path) / "all.ics"), events(leader_feed)
    variant = tmp_path / "variant"
    result = run(
        "-q", "whatif", "--ledger", str(tmp_path / "ledger.sqlite"), "--away", "孙海涛", "2026-12-07..2026-12-08",
        "-o", str(variant), "--now", LATER, "--time-limit", "20",
    )
    assert "项有变化" in result.output
    # The published feeds are untouched by a what-if.
    assert events(current(tmp_path) / "all.ics") == before_all
    out = publish(variant, tmp_path, LATER)
    assert "第 2 次发布" in out.output
    after_all = events(current(tmp_path) / "all.ics")
    for uid, (seq, status, start, end) in after_all.items():
        if uid in before_all and status != "CANCELLED":
            old = before_all[uid]
            moved = (start, end) != (old[2], old[3])
            assert seq == 1 if moved else seq in (0, 1), uid  # unmoved events rise only if their text changed
    # 孙海涛 is away Monday and Tuesday: whatever he had then is gone from his feed or moved.
    after_leader = events(leader_feed)
    monday_tuesday = {uid for uid, e in before_leader.items() if e[2].day in (7, 8) and "reception" not in uid}
    assert monday_tuesday
    for uid in monday_tuesday:
        seq, status, start, _ = after_leader[uid]
        assert status == "CANCELLED" or start.day not in (7, 8)
        assert seq == 1
    # The hypothetical absence shaped the plan but appears in no published file.
    for path in (tmp_path / "pub").rglob("*"):
        if path.is_file():
            assert "假设" not in path.read_bytes().decode("utf-8", "replace"), path
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        assert all("假设" not in p.plan_json for p in ledger.publications())
    cancelled = {uid for uid, e in after_leader.items() if e[1] == "CANCELLED"}
    # A cancellation is published once: the next publication no longer carries it.
    publish(variant, tmp_path, "2026-12-04T19:00:00+08:00")
    assert not cancelled & {uid for uid, e in events(leader_feed).items() if e[1] == "CANCELLED"}
    assert all(uid not in events(leader_feed) for uid in cancelled)


def test_whatif_one_afternoon_away_moves_only_that_leaders_afternoon(planned, tmp_path, example_plan, example_problem):
    publish(planned, tmp_path)
    # The first leader in protocol order with a sitting on some afternoon.
    leader, day = next(
        (leader, s.start.date()) for leader in example_problem.leaders for s in example_plan.sittings
        if leader.id in s.leaders and s.start.hour >= 13
    )
    affected = {
        i.request_id for s in example_plan.sittings for i in s.items
        if leader.id in s.leaders and s.start.date() == day and s.start.hour >= 13
    }
    variant = tmp_path / "variant"
    result = run(
        "-q", "whatif", "--ledger", str(tmp_path / "ledger.sqlite"), "--away", leader.name, f"{day}下午",
        "-o", str(variant), "--now", LATER, "--time-limit", "20",
    )
    diff = json.loads(run("diff", str(planned), str(variant), "--json").output)
    changed = {c["request"] for c in diff}
    assert affected <= changed
    assert changed == affected, result.output
    assert f"因{leader.name}（假设）外出" in result.output  # the table says why they moved


def test_diff_prints_a_table(planned, tmp_path, example_problem, example_plan):
    same = run("diff", str(planned), str(planned / "plan.json"))
    assert same.output == "没有变化\n"


CRASH_POINTS = ["ledger-feeds-written", "half-the-files-written", "before-commit", "after-commit", "before-switch"]


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_a_publication_killed_half_way_leaves_a_whole_state(planned, tmp_path, point, away_monday):
    publish(planned, tmp_path)
    before = {p.relative_to(current(tmp_path)): p.read_bytes() for p in current(tmp_path).rglob("*") if p.is_file()}
    # A second publication of a different plan (孙海涛 away on Monday), killed at `point`.
    variant = away_monday
    command = [sys.executable, "-m", "scheduler", "publish", str(variant), "--ledger", str(tmp_path / "ledger.sqlite"), "--to", str(tmp_path / "pub"), "--now", LATER]
    process = subprocess.run(command, env={**os.environ, "SCHEDULER_CRASH_AT": point}, capture_output=True, text=True)
    assert process.returncode == -9, process.stderr  # really killed
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        recorded = [p.id for p in ledger.publications()]
    # Readers still see the whole previous publication.
    assert {p.relative_to(current(tmp_path)): p.read_bytes() for p in current(tmp_path).rglob("*") if p.is_file()} == before
    if point in ("ledger-feeds-written", "half-the-files-written", "before-commit"):
        assert recorded == [1]  # the ledger commits only after the version folders are whole
    else:
        assert recorded == [1, 2]  # committed; the next run brings the feeds up to date
    again = subprocess.run(command, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        latest = ledger.latest()
        assert os.readlink(current(tmp_path)) == f"v{latest.id:04d}"
        assert os.readlink(tmp_path / "pub" / "feeds" / "current") == f"v{latest.id:04d}"
        assert ledger.feeds(latest.id)["all.ics"] == (current(tmp_path) / "all.ics").read_bytes()
        assert ledger.feeds(latest.id)["rolling/all.ics"] == (tmp_path / "pub" / "feeds" / "current" / "all.ics").read_bytes()


def test_replanning_a_published_week_after_deleting_one_row_changes_only_that_request(example_copy, example_problem, example_plan, tmp_path):
    from scheduler.whatif import diff
    from tests.test_intake import rows, save

    _write_plan(example_problem, example_plan, tmp_path / "out", now=NOW, folder=example_copy)
    publish(tmp_path / "out", tmp_path)
    # A request held alone that no other request names (deleting a named one is an input error).
    named = {x for r in example_problem.requests for x in (*r.merge_with, *r.no_merge_with)}
    alone = next(s for s in example_plan.sittings if len(s.items) == 1 and s.id not in named)
    table = rows(example_copy, "会议申请.csv")
    save(example_copy, "会议申请.csv", [row for row in table if row[0] != alone.id])
    ledger = str(tmp_path / "ledger.sqlite")
    out = run("-q", "plan", str(example_copy), "-o", str(tmp_path / "again"), "--ledger", ledger, "--now", LATER, "--time-limit", "20").output
    assert "以台账中第 1 次发布" in out
    published = json.loads((current(tmp_path) / "plan.json").read_text(encoding="utf-8"))
    again = json.loads((tmp_path / "again" / "plan.json").read_text(encoding="utf-8"))
    assert again["reference"]["publication"] == 1
    assert [(c.request_id, c.kinds) for c in diff(published, again)] == [(alone.id, ("dropped",))]
    fresh = run("-q", "plan", str(example_copy), "-o", str(tmp_path / "fresh"), "--ledger", ledger, "--now", LATER, "--time-limit", "20", "--fresh").output
    assert "以台账" not in fresh and "reference" not in json.loads((tmp_path / "fresh" / "plan.json").read_text(encoding="utf-8"))


def test_plan_reads_the_ledger_before_writing_anything(tmp_path):
    (tmp_path / "ledger.sqlite").write_bytes(b"not a ledger at all" * 10)
    result = CliRunner().invoke(cli, ["-q", "plan", str(EXAMPLE), "-o", str(tmp_path / "out"), "--ledger", str(tmp_path / "ledger.sqlite"), "--now", LATER])
    assert result.exit_code == 2 and "台账" in result.stderr
    assert not (tmp_path / "out").exists()


def test_publish_refuses_a_plan_that_no_longer_fits_the_inputs(example_copy, example_problem, example_plan, tmp_path):
    from tests.test_intake import rows, save

    _write_plan(example_problem, example_plan, tmp_path / "out", now=NOW, folder=example_copy)
    # A reception added afterwards, for the chair of the first sitting, at its time.
    s = example_plan.sittings[0]
    table = rows(example_copy, "公务接待.csv")
    header = table[0]
    row = [""] * len(header)
    values = {"编号": "J99", "接待事项": "临时来访", "日期": s.start.date().isoformat(), "开始时间": f"{s.start:%H:%M}", "结束时间": f"{s.end:%H:%M}",
              "陪同领导": example_problem.leader_index[s.chair].name}
    for key, value in values.items():
        row[header.index(key)] = value
    save(example_copy, "公务接待.csv", [*table, row])
    result = CliRunner().invoke(cli, ["publish", str(tmp_path / "out"), "--ledger", str(tmp_path / "ledger.sqlite"), "--to", str(tmp_path / "pub"), "--now", LATER])
    assert result.exit_code == 2, result.output
    assert "leader_not_double_booked" in result.stderr and "J99" in result.stderr
    assert not (tmp_path / "pub").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "week"]  # a refused publish leaves no file, not even an empty ledger


def test_a_publish_that_fails_leaves_no_new_ledger_but_keeps_an_existing_one(planned, tmp_path):
    (tmp_path / "not-a-folder").write_text("x", encoding="utf-8")
    ledger = tmp_path / "calendars" / "ledger.sqlite"
    command = ["publish", str(planned), "--ledger", str(ledger), "--to", str(tmp_path / "not-a-folder" / "pub"), "--now", LATER]
    result = CliRunner().invoke(cli, command)
    # refused as the option is read (a folder under a file), before any ledger is opened
    assert result.exit_code == 2 and "not-a-folder' 是文件（应为文件夹）" in result.stderr, result.output
    assert not (tmp_path / "calendars").exists()  # neither the ledger it would have created nor its folder
    with Ledger(ledger) as kept:  # a ledger that was there before stays, untouched
        assert kept.publications() == []
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 2 and ledger.exists()


def test_whatif_refuses_unknown_names_with_exit_2(planned, tmp_path):
    result = CliRunner().invoke(cli, ["whatif", str(planned), "--away", "王五", "2026-12-07", "-o", str(tmp_path / "v")])
    assert result.exit_code == 2 and "「王五」不是本周的领导" in result.stderr
    result = CliRunner().invoke(cli, ["whatif", str(planned), "--drop", "H999", "-o", str(tmp_path / "v")])
    assert result.exit_code == 2 and "本周没有编号为「H999」的会议申请" in result.stderr


def test_repeated_meetings_on_one_matter_are_flagged_from_the_ledger(tmp_path, example_problem, example_plan):
    from dataclasses import replace
    from datetime import timedelta

    from scheduler.publish import request_rows, sitting_rows
    from scheduler.rules import repeated_meetings

    last_week = replace(example_problem, week=example_problem.week - timedelta(days=7))
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        ledger.record(
            week=last_week.week, published_at=NOW, input="", plan_json="{}", feeds={}, events=[],
            requests=request_rows(last_week, example_plan), sittings=sitting_rows(last_week, example_plan),
        )
        earlier = ledger.earlier_requests(example_problem.week, example_problem.week - timedelta(days=28))
    findings = {f.request_id: f.message for f in repeated_meetings(example_problem, earlier)}
    assert "H01" in findings and "2026-11-30当周已开的H01「全市重点项目建设推进会」" in findings["H01"]
    result = CliRunner().invoke(cli, ["check", str(EXAMPLE), "--ledger", str(tmp_path / "ledger.sqlite")])
    assert "H01「全市重点项目建设推进会」与2026-11-30当周已开的H01" in result.output


def test_whatif_refuses_an_absence_outside_the_week(planned, tmp_path):
    result = CliRunner().invoke(cli, ["whatif", str(planned), "--away", "赵立新", "2026-12-17下午", "-o", str(tmp_path / "v")])
    assert result.exit_code == 2
    assert "--away：「2026-12-17下午」不在计划周（2026-12-07至2026-12-13）内" in result.stderr
    assert not (tmp_path / "v").exists()


def test_whatif_refuses_a_fixed_time_outside_the_week(planned, tmp_path):
    result = CliRunner().invoke(cli, ["whatif", str(planned), "--fix", "H31=2026-12-20 9:00", "-o", str(tmp_path / "v")])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1] == "错误：--fix：「2026-12-20 9:00」不在计划周（2026-12-07至2026-12-13）内。"
    assert "Traceback" not in result.output and not (tmp_path / "v").exists()


@pytest.mark.parametrize("args, message", [
    (["--away", "赵立新", "-o", "wi_a"], "错误：--away：「赵立新」后面缺少日期：应为 --away 领导 日期，例如 --away 王志刚 2026-12-09下午。"),
    (["--fix", "H999=2026-12-08", "9:00"], "错误：「9:00」是时刻，不是安排目录：日期和时刻之间有空格时，整个值要加引号，例如 --fix \"H31=2026-12-08 9:00\"。"),
    (["--away", "2026-12-09", "赵立新", "wi_a"], "错误：--away：「赵立新」不是日期或半天（例如 2026-12-09、2026-12-09下午 或 2026-12-09..2026-12-10）。"),
])
def test_whatif_argument_mistakes_name_the_real_problem_before_the_plan_is_read(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["whatif", *args])
    assert result.exit_code == 2
    assert result.stderr.strip() == message
    assert "plan.json" not in result.stderr and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []
