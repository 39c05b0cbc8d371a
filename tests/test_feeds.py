"""Rolling feeds, the publishing protocol and safe file names, on hand-made weeks (no solving):
two weeks published one after the other are both in every feed (read back by two parsers);
SEQUENCE never goes down; a plan breaking a hard rule is refused before anything is written;
hostile names never become paths outside the folder; a broken ledger is refused, not rewritten."""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import vobject
from click.testing import CliRunner
from ical.calendar_stream import IcsCalendarStream

from scheduler.cli import cli
from scheduler.domain import Leader, Outcome, Plan, Room
from scheduler.files import MANIFEST, UnsafePath, inside, safe_name, write_files, write_outputs
from scheduler.ics import leader_feed, unit_feed
from scheduler.ledger import Ledger, LedgerError
from scheduler.outputs import render
from scheduler.publish import PublishRefused, publish_plan
from scheduler.workcal import week_days
from tests.conftest import NOW, WEEK, at, commitment, make_problem, make_request, make_sitting

LEADERS = (Leader(id="L1", name="王志刚", title="常务副市长", rank=1), Leader(id="L2", name="李明", rank=2))
HOSTILE_UNIT = "../../../../ESCAPED_UNIT"


def week_of(monday, requests, sittings, **kw):
    """A two-day week starting `monday` and its plan (every request placed as given)."""
    problem = make_problem(requests, leaders=LEADERS, **kw)
    if monday != WEEK:
        settings = replace(problem.settings, week=monday)
        problem = replace(problem, week=monday, settings=settings, days=week_days(settings, monday)[:2])
    outcomes = tuple(Outcome(request_id=r.id, codes=("scheduled",), sitting=r.id) for r in requests)
    return problem, Plan(week=monday, sittings=tuple(sittings), outcomes=outcomes)


def first_week(extra_units=()):
    a = make_request("A", title="第一周专题会", chair="L1", units=("市财政局", *extra_units))
    b = make_request("B", title="第一周调度会", chair="L2", leaders=("L1",))
    return week_of(WEEK, [a, b], [make_sitting(a, at(0, "09:00")), make_sitting(b, at(1, "09:00"), room="R2")])


def second_week():
    monday = WEEK + timedelta(days=7)
    c = make_request("C", title="第二周推进会", chair="L1", units=("市财政局",))
    start = datetime.combine(monday, at(0, "15:00").timetz())
    return week_of(monday, [c], [make_sitting(c, start)])


def uids(path: Path) -> dict[str, tuple]:
    """UID -> (SEQUENCE, STATUS, start) read by vobject; the strict `ical` parser must agree."""
    text = path.read_text(encoding="utf-8")
    strict = {e.uid: e.dtstart for e in IcsCalendarStream.calendar_from_ics(text).events}
    cal = vobject.readOne(text)
    events = getattr(cal, "vevent_list", [])
    assert strict == {e.uid.value: e.dtstart.value for e in events}
    return {e.uid.value: (int(e.sequence.value), e.status.value, e.dtstart.value) for e in events}


def publish(problem, plan, tmp_path, now=NOW):
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        return publish_plan(problem, plan, ledger=ledger, root=tmp_path / "pub", now=now)


def rolling(tmp_path) -> Path:
    return tmp_path / "pub" / "feeds" / "current"


def test_two_weeks_published_one_after_the_other_are_both_in_every_feed(tmp_path):
    publish(*first_week(), tmp_path)
    done = publish(*second_week(), tmp_path, NOW + timedelta(days=7))
    assert done.weeks == ("2026-12-07", "2026-12-14")
    for feed in ("all.ics", leader_feed("L1"), unit_feed("市财政局")):
        assert {"A-20261207@scheduler", "C-20261214@scheduler"} <= set(uids(rolling(tmp_path) / feed)), feed
    assert set(uids(rolling(tmp_path) / leader_feed("L2"))) == {"B-20261207@scheduler"}  # nothing in week 2: week 1 stays
    # The calendar's name is stable: no date in it.
    text = (rolling(tmp_path) / leader_feed("L1")).read_bytes().decode("utf-8")
    assert "X-WR-CALNAME:王志刚 会议安排\r\n" in text and "NAME:王志刚 会议安排\r\n" in text
    assert text.count("BEGIN:VTIMEZONE") == 1 and "METHOD:PUBLISH" in text
    # Each week's own folder keeps only its week; the first week is still served as published.
    assert set(uids(tmp_path / "pub" / "2026-12-07" / "current" / "all.ics")) == {"A-20261207@scheduler", "B-20261207@scheduler"}


def test_republishing_a_week_keeps_the_other_weeks(tmp_path):
    publish(*first_week(), tmp_path)
    publish(*second_week(), tmp_path, NOW + timedelta(days=7))
    problem, plan = first_week()
    moved = replace(plan, sittings=(make_sitting(problem.request_index["A"], at(0, "10:00")), plan.sittings[1]))
    publish(problem, moved, tmp_path, NOW + timedelta(days=8))
    feed = uids(rolling(tmp_path) / "all.ics")
    assert feed["A-20261207@scheduler"][0] == 1 and feed["A-20261207@scheduler"][2].hour == 10
    assert "C-20261214@scheduler" in feed


def test_weeks_before_the_window_leave_the_feeds(tmp_path):
    publish(*first_week(), tmp_path)
    done = publish(*second_week(), tmp_path, NOW + timedelta(weeks=10))
    assert done.weeks == ("2026-12-14",)


def test_a_feed_over_the_size_limit_drops_its_oldest_weeks_never_the_one_published(tmp_path, monkeypatch):
    from scheduler import publish as publishing

    publish(*first_week(), tmp_path)
    done = publish(*second_week(), tmp_path, NOW + timedelta(days=7))
    both = (rolling(tmp_path) / "all.ics").read_bytes()
    week1 = (tmp_path / "pub" / "2026-12-07" / "current" / "all.ics").read_bytes()
    week2 = (tmp_path / "pub" / "2026-12-14" / "current" / "all.ics").read_bytes()
    assert done.weeks == ("2026-12-07", "2026-12-14") and len(both) < publishing.FEED_LIMIT_BYTES
    weeks = {"2026-12-07": {"all.ics": week1}, "2026-12-14": {"all.ics": week2}}
    monkeypatch.setattr(publishing, "FEED_LIMIT_BYTES", len(both) - 1)  # two weeks no longer fit: the older goes
    kept = publishing.rolling_feeds(weeks, keep="2026-12-14")["all.ics"]
    assert set(uids_of(kept)) == {"C-20261214@scheduler"}
    monkeypatch.setattr(publishing, "FEED_LIMIT_BYTES", 10)  # not even one week fits: the week published stays
    assert set(uids_of(publishing.rolling_feeds(weeks, keep="2026-12-07")["all.ics"])) == {"A-20261207@scheduler", "B-20261207@scheduler", "C-20261214@scheduler"}
    assert set(uids_of(publishing.rolling_feeds(weeks, keep="2026-12-14")["all.ics"])) == {"C-20261214@scheduler"}


def uids_of(body: bytes) -> dict[str, tuple]:
    return {e.uid.value: e.dtstart.value for e in getattr(vobject.readOne(body.decode("utf-8")), "vevent_list", [])}


def test_sequence_never_goes_down_publishing_a_d_d_a(tmp_path):
    problem, plan = first_week()
    without_b = replace(plan, sittings=plan.sittings[:1])
    seen = []
    for n, p in enumerate([plan, without_b, without_b, plan]):
        publish(problem, p, tmp_path, NOW + timedelta(hours=n))
        with Ledger(tmp_path / "ledger.sqlite") as ledger:
            events = {e.uid: e for e in ledger.events(ledger.latest_id()) if e.feed == "all.ics"}
        b = events.get("B-20261207@scheduler")
        seen.append((b.sequence, b.status) if b else None)
    assert seen == [(0, "TENTATIVE"), (1, "CANCELLED"), None, (2, "TENTATIVE")]


def test_a_plan_breaking_a_hard_rule_is_refused_before_anything_is_written(tmp_path):
    problem, plan = first_week()
    busy = replace(problem, commitments=(commitment("L1", at(0, "08:30"), at(0, "12:00"), "市委常委会"),))
    with pytest.raises(PublishRefused) as refused:
        publish(busy, plan, tmp_path)
    assert any(v.rule == "leader_not_double_booked" for v in refused.value.violations)
    assert any("leader_not_double_booked" in line and "L1" in line for line in refused.value.lines())
    assert not (tmp_path / "pub").exists()
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        assert ledger.publications() == []


def test_version_folders_are_never_reused_by_a_new_ledger(tmp_path):
    problem, plan = first_week()
    publish(problem, plan, tmp_path)
    old = (tmp_path / "pub" / "2026-12-07" / "v0001" / "all.ics").read_bytes()
    (tmp_path / "ledger.sqlite").unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{tmp_path / 'ledger.sqlite'}{suffix}").unlink(missing_ok=True)
    done = publish(problem, replace(plan, sittings=plan.sittings[:1]), tmp_path, NOW + timedelta(hours=1))
    assert done.number == 2
    assert (tmp_path / "pub" / "2026-12-07" / "v0001" / "all.ics").read_bytes() == old
    assert os.readlink(tmp_path / "pub" / "2026-12-07" / "current") == "v0002"


# --- names that are not paths ------------------------------------------------------------------


@pytest.mark.parametrize("name", [HOSTILE_UNIT, "..", ".", "a/b", "a\\b", "x\x00y", "\n", "市财政局", "L" * 200, "/etc/passwd", ""])
def test_a_name_from_the_data_maps_to_one_safe_file_name(name):
    safe = safe_name(name)
    assert safe and len(safe) <= 48 and "/" not in safe and "\\" not in safe and ".." not in safe
    assert all(c.isprintable() for c in safe)


def test_safe_names_stay_apart():
    names = ["L01", "l01", "_L01", "市财政局", "市财政局 ", HOSTILE_UNIT, "../ESCAPED", "R-1"]
    assert len({safe_name(n) for n in names}) == len(names)
    assert safe_name("L01") == "L01" and safe_name("市财政局") == safe_name("市财政局")


def test_writers_refuse_paths_outside_their_folder(tmp_path):
    for name in ("../x.ics", "a/../../x.ics", "/tmp/x.ics", "units/\x00.ics"):
        with pytest.raises(UnsafePath):
            write_files(tmp_path / "out", {name: b"x"})
    (tmp_path / "out").mkdir(exist_ok=True)
    (tmp_path / "out" / "units").symlink_to(tmp_path)
    with pytest.raises(UnsafePath):
        inside(tmp_path / "out", "units/x.ics")


def hostile_week():
    leaders = (Leader(id="../../../../ESCAPED_LEADER", name="王志刚", rank=1), Leader(id="L2", name="李明", rank=2))
    rooms = (Room(id="../../ESCAPED_ROOM", name="一号会议室", capacity=40, video=True, building="A"),)
    a = make_request("A", chair=leaders[0].id, units=(HOSTILE_UNIT, "市财政局"))
    problem = make_problem([a], leaders=leaders, rooms=rooms)
    return problem, Plan(week=WEEK, sittings=(make_sitting(a, at(0, "09:00"), room=rooms[0].id),), outcomes=(Outcome(request_id="A", codes=("scheduled",), sitting="A"),))


def test_hostile_names_stay_inside_plan_output_and_publish_folder(tmp_path):
    problem, plan = hostile_week()
    files = render(problem, plan, NOW)
    write_files(tmp_path / "deep" / "er" / "out", files)
    publish(problem, plan, tmp_path / "deep" / "er")
    written = [p for p in tmp_path.rglob("*") if "ESCAPED" in p.name]
    assert written == []
    unit = (tmp_path / "deep" / "er" / "out" / unit_feed(HOSTILE_UNIT)).read_text(encoding="utf-8")
    assert HOSTILE_UNIT in unit  # the name itself is inside the calendar
    for root in (tmp_path / "deep" / "er" / "out", tmp_path / "deep" / "er" / "pub"):
        for path in root.rglob("*"):
            assert path.resolve().is_relative_to(root.resolve())


def run_cli(*args):
    return CliRunner().invoke(cli, list(args))


def _two_then_one():
    a = make_request("A", units=("市财政局",))
    b = make_request("B", chair="L2", units=("市教育局",))
    problem = make_problem([a, b])
    both = Plan(week=WEEK, sittings=(make_sitting(a, at(0, "09:00")), make_sitting(b, at(0, "14:00"), room="R2")), outcomes=(
        Outcome(request_id="A", codes=("scheduled",), sitting="A"), Outcome(request_id="B", codes=("scheduled",), sitting="B")))
    only_a = Plan(week=WEEK, sittings=both.sittings[:1], outcomes=(both.outcomes[0], Outcome(request_id="B", codes=("not_placeable",), reasons=("取消",))))
    return render(problem, both, NOW), render(problem, only_a, NOW)


@pytest.mark.parametrize("first_had_manifest", [True, False])
def test_a_rewrite_removes_the_previous_outputs_it_does_not_produce_and_nothing_else(tmp_path, first_had_manifest):
    first, second = _two_then_one()
    out = tmp_path / "out"
    write_outputs(out, first)
    if not first_had_manifest:  # a folder written before the manifest existed
        (out / MANIFEST).unlink()
    (out / "我的备注.txt").write_text("用户自己的文件", encoding="utf-8")
    (out / "notices" / "草稿.docx").write_bytes(b"mine")
    (out / "units" / "mine.txt").write_bytes(b"mine")
    gone = set(first) - set(second)
    assert "notices/会议通知-B.docx" in gone and any(name.endswith(".ics") for name in gone)
    write_outputs(out, second)
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert on_disk == set(second) | {MANIFEST, "我的备注.txt", "notices/草稿.docx", "units/mine.txt"}
    assert (out / "我的备注.txt").read_text(encoding="utf-8") == "用户自己的文件"


def test_whatif_dropping_a_meeting_into_a_reused_folder_leaves_no_notice_for_it(tmp_path, example_copy):
    out, wi = tmp_path / "out", tmp_path / "wi"
    assert run_cli("-q", "plan", str(example_copy), "-o", str(out), "--now", NOW.isoformat()).exit_code == 0
    assert run_cli("-q", "whatif", str(out), "-o", str(wi), "--now", NOW.isoformat(), "--ledger", str(tmp_path / "l.sqlite")).exit_code == 0
    assert (wi / "notices" / "会议通知-H01.docx").exists()
    result = run_cli("-q", "whatif", str(out), "--drop", "H01", "-o", str(wi), "--now", NOW.isoformat(), "--ledger", str(tmp_path / "l.sqlite"))
    assert result.exit_code == 0, result.output
    assert not (wi / "notices" / "会议通知-H01.docx").exists()


# --- a ledger that is not ours -----------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"garbage that is not sqlite" * 100])
@pytest.mark.parametrize("command", [["stats"], ["token", "list"], ["serve", "--port", "1"], ["check"]])
def test_an_empty_or_foreign_ledger_is_refused_and_left_as_it_was(tmp_path, content, command):
    path = tmp_path / "ledger.sqlite"
    path.write_bytes(content)
    result = CliRunner().invoke(cli, [*command, "--ledger", str(path)])
    assert result.exit_code == 2, result.output
    assert "台账" in result.stderr and "Traceback" not in result.output
    assert path.read_bytes() == content


def test_a_ledger_of_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "ledger.sqlite"
    Ledger(path).close()
    db = sqlite3.connect(path)
    db.execute("INSERT INTO migrations VALUES ('0099_future', '2030-01-01')")
    db.commit()
    db.close()
    with pytest.raises(LedgerError, match="更新版本"):
        Ledger(path)


def test_a_corrupted_ledger_gives_one_chinese_line(tmp_path):
    path = tmp_path / "ledger.sqlite"
    publish(*first_week(), tmp_path)
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)
    path.write_bytes(bytes(data))
    result = CliRunner().invoke(cli, ["stats", "--ledger", str(path), "2026-12-07"])
    assert result.exit_code == 2 and "台账" in result.stderr, result.output


def test_a_hand_edited_meeting_at_sunday_night_is_refused(tmp_path):
    problem, plan = first_week()
    a = problem.request_index["A"]
    sunday_night = make_sitting(a, at(6, "03:00"))
    with pytest.raises(PublishRefused) as refused:
        publish(problem, replace(plan, sittings=(sunday_night, plan.sittings[1])), tmp_path)
    assert "within_office_hours" in {v.rule for v in refused.value.violations}
    assert not (tmp_path / "pub").exists()


def test_a_publication_that_cannot_be_written_changes_nothing(tmp_path, monkeypatch):
    from scheduler import files
    from scheduler.publish import PublishFailed

    publish(*first_week(), tmp_path)
    served = (rolling(tmp_path) / "all.ics").read_bytes()

    def full_disk(path, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files, "_write_synced", full_disk)
    with pytest.raises(PublishFailed, match="未发布"):
        publish(*second_week(), tmp_path, NOW + timedelta(days=7))
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        assert [p.id for p in ledger.publications()] == [1]
    assert (rolling(tmp_path) / "all.ics").read_bytes() == served
    assert not list((tmp_path / "pub").rglob(".staging-*"))


def test_a_plan_folder_is_read_from_any_working_directory(tmp_path, example_copy, monkeypatch):
    """plan.json names the input folder relative to itself, so notices and publish find the week
    from another directory (and the bytes do not depend on where the folders are)."""
    monkeypatch.chdir(tmp_path)
    assert run_cli("-q", "plan", example_copy.name, "-o", "out", "--now", NOW.isoformat()).exit_code == 0
    assert json.loads((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"))["input"] == f"../{example_copy.name}"
    elsewhere = tmp_path / "elsewhere" / "deeper"
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)
    result = run_cli("notices", "../../out", "-o", "n", "--now", NOW.isoformat())
    assert result.exit_code == 0, result.output
    assert (elsewhere / "n" / "notices" / "会议通知-H01.docx").exists()
    result = run_cli("publish", "../../out", "--ledger", "l.sqlite", "--to", "pub", "--now", NOW.isoformat())
    assert result.exit_code == 0, result.output
