"""Run `scheduler plan` on the example week and re-check every hard rule of SPEC §4 from the
written files alone (plan.json and the feeds), with code of its own, not the solver's."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from datetime import datetime, timedelta

import pytest
import vobject
from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.ics import leader_feed, room_feed, unit_feed
from tests.conftest import EXAMPLE, NOW

T = datetime.fromisoformat


@pytest.fixture(scope="module")
def run(tmp_path_factory, example_problem):
    out = tmp_path_factory.mktemp("out")
    result = CliRunner().invoke(cli, ["-q", "plan", str(EXAMPLE), "-o", str(out), "--now", NOW.isoformat()])
    assert result.exit_code == 0, result.output
    return out, json.loads((out / "plan.json").read_text(encoding="utf-8")), result.output


def overlaps(spans):
    spans = sorted(spans)
    return [(a, b) for a, b in zip(spans, spans[1:]) if b[0] < a[1]]


def feed_events(path):
    cal = vobject.readOne(path.read_text(encoding="utf-8"))
    return [
        (e.dtstart.value, e.dtend.value, e.summary.value, set(e.contents["x-scheduler-requests"][0].value.split()) if "x-scheduler-requests" in e.contents else set())
        for e in getattr(cal, "vevent_list", [])
    ]


def test_summary_is_printed(run):
    _, plan, output = run
    assert f"会议申请 45 项，安排 {plan['summary']['scheduled']} 项，会议 {len(plan['sittings'])} 场" in output
    assert "未安排 2 项" in output and "H14" in output and "H78" in output


def test_no_leader_in_two_places(run, example_problem):
    out, plan, _ = run
    busy = defaultdict(list)
    for s in plan["sittings"]:
        for leader in s["leaders"]:
            for seg in leader["segments"]:
                busy[leader["id"]].append((T(seg["start"]), T(seg["end"]), s["room"]["building"]))
    for r in example_problem.receptions:
        for leader in r.leaders:
            busy[leader].append((r.start, r.end, None))
    for c in example_problem.commitments:
        busy[c.leader].append((c.start, c.end, None))
    for leader, spans in busy.items():
        assert not overlaps([(a, b) for a, b, _ in spans]), leader
        ordered = sorted(s for s in spans if s[2])
        for (a1, b1, x), (a2, b2, y) in zip(ordered, ordered[1:]):
            if x != y and a2.date() == b1.date():
                assert a2 - b1 >= timedelta(minutes=20), (leader, b1, a2)
    # The leaders' own feeds say the same: no two events of a leader overlap.
    for leader in example_problem.leaders:
        events = feed_events(out / leader_feed(leader.id))
        assert not overlaps([(a, b) for a, b, *_ in events]), leader.id


def test_rooms_hold_one_sitting_at_a_time_and_fit_it(run, example_problem):
    out, plan, _ = run
    rooms = {r.id: r for r in example_problem.rooms}
    per_room = defaultdict(list)
    for s in plan["sittings"]:
        per_room[s["room"]["id"]].append((T(s["start"]), T(s["end"])))
        room = rooms[s["room"]["id"]]
        assert room.capacity >= max(i["attendees"] for i in s["items"])
        if any(i["format"] != "现场" for i in s["items"]):
            assert room.video
    for r in example_problem.receptions:
        if r.room:
            per_room[r.room].append((r.start, r.end))
    for room, spans in per_room.items():
        assert not overlaps(spans), room
        assert not overlaps([(a, b) for a, b, *_ in feed_events(out / room_feed(room))])


def test_office_hours_working_days_windows_and_lengths(run, example_problem):
    _, plan, _ = run
    requests = example_problem.request_index
    working = {d.date: d for d in example_problem.days}
    caps = example_problem.settings.kinds
    for s in plan["sittings"]:
        start, end = T(s["start"]), T(s["end"])
        day = working[start.date()]  # a working day
        assert day.morning[0] <= start and end <= day.morning[1] or day.afternoon[0] <= start and end <= day.afternoon[1]
        for item in s["items"]:
            r = requests[item["request_id"]]
            a = T(item["start"])
            assert (r.earliest or a.date()) <= a.date() <= (r.latest or a.date())
            if r.part_of_day == "上午":
                assert a < day.morning[1]
            if r.part_of_day == "下午":
                assert a >= day.afternoon[0]
            if r.fixed_start:
                assert a == r.fixed_start
            cap = caps[r.kind].max_minutes if r.kind in caps else None
            assert cap is None or item["minutes"] <= cap
            if day.no_meeting:
                assert r.fixed_start or r.urgent, r.id


def test_daily_caps(run, example_problem):
    _, plan, _ = run
    counts = defaultdict(int)
    for s in plan["sittings"]:
        for leader in s["leaders"]:
            counts[(leader["id"], s["date"])] += 1
    for r in example_problem.receptions:
        for leader in r.leaders:
            counts[(leader, r.start.date().isoformat())] += 1
    for leader in example_problem.leaders:
        if leader.max_per_day:
            assert all(n <= leader.max_per_day for (x, _), n in counts.items() if x == leader.id)


def test_combined_sittings_one_chair_mergeable_back_to_back(run, example_problem):
    _, plan, _ = run
    requests = example_problem.request_index
    combined = [s for s in plan["sittings"] if len(s["items"]) > 1]
    assert len(combined) >= 5
    for s in combined:
        chairs = {requests[i["request_id"]].chair for i in s["items"]}
        assert chairs == {s["chair"]["id"]}
        assert all(requests[i["request_id"]].mergeable for i in s["items"])
        assert s["minutes"] <= 180 and len(s["items"]) <= 6
        for a, b in zip(s["items"], s["items"][1:]):
            assert a["end"] == b["start"]


def test_leaders_and_units_busy_only_in_their_own_items(run, example_problem):
    out, plan, _ = run
    for s in plan["sittings"]:
        for leader in s["leaders"]:
            mine = [i for i in s["items"] if leader["id"] in i["leaders"]]
            if leader["role"] == "chair":
                assert leader["segments"] == [{"start": s["start"], "end": s["end"]}]
                continue
            covered = sum((T(x["end"]) - T(x["start"])).total_seconds() for x in leader["segments"])
            assert covered == sum(i["minutes"] * 60 for i in mine)
        for unit in s["units"]:
            mine = [i for i in s["items"] if unit["name"] in i["units"]]
            events = [e for e in feed_events(out / unit_feed(unit["name"])) if e[3] <= set(s["request_ids"])]
            assert all(set(i["request_id"] for i in mine) >= e[3] for e in events)
            assert sum((b - a).total_seconds() for a, b, *_ in events) == sum(i["minutes"] * 60 for i in mine)


def test_every_request_has_an_outcome_with_reasons(run, example_problem):
    _, plan, _ = run
    outcomes = {r["id"]: r["outcome"] for r in plan["requests"]}
    assert set(outcomes) == set(example_problem.request_index)
    for rid, o in outcomes.items():
        if o["codes"] != ["scheduled"]:
            assert o["reasons"], rid
    assert outcomes["H78"]["codes"] == ["rejected"]
    assert outcomes["H14"]["codes"] == ["not_placeable"]
    assert any("赴省委党校参加专题培训" in b for b in outcomes["H14"]["blockers"])
    assert "shortened" in outcomes["H05"]["codes"]  # 120 minutes asked, 专题会 capped at 90
    assert outcomes["H81"]["codes"] in (["scheduled"],)  # fixed, on the no-meeting day
    assert outcomes["H82"]["sitting"] is not None  # urgent, on the no-meeting day


def test_same_inputs_give_byte_identical_files_on_a_loaded_machine(run, tmp_path):
    """The module's plan ran as the machine was; this one runs while two busy loops hold both
    cores. The solver's budget is deterministic, so the files are byte for byte the same."""
    out, _, _ = run
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        result = CliRunner().invoke(cli, ["-q", "plan", str(EXAMPLE), "-o", str(tmp_path), "--now", NOW.isoformat()])
    finally:
        for process in busy:
            process.kill()
            process.wait()
    assert result.exit_code == 0, result.output
    first = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    second = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert first == second
    for name in first:
        assert (out / name).read_bytes() == (tmp_path / name).read_bytes(), name
