"""The feeds, read back by three parsers that did not write them: vobject, ical (Python) and
Mozilla's ical.js (Thunderbird's parser, through Node). They must agree with each other and
with the plan on every event's UID, start and end instant, and Chinese text."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import vobject
from ical.calendar_stream import IcsCalendarStream

from scheduler.ics import feeds, leader_feed, room_feed, uid_for, unit_feed
from tests.conftest import NOW

JS = Path(__file__).parent / "js"


@pytest.fixture(scope="module")
def written(example_problem, example_plan, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("feeds")
    paths = {}
    for name, data in feeds(example_problem, example_plan, now=NOW).items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        paths[name] = path
    return paths


def by_vobject(path: Path):
    cal = vobject.readOne(path.read_text(encoding="utf-8"))
    return sorted(
        (e.uid.value, int(e.dtstart.value.timestamp()), int(e.dtend.value.timestamp()), e.summary.value)
        for e in getattr(cal, "vevent_list", [])
    )


def by_ical(path: Path):
    cal = IcsCalendarStream.calendar_from_ics(path.read_text(encoding="utf-8"))
    return sorted((e.uid, int(e.dtstart.timestamp()), int(e.dtend.timestamp()), e.summary) for e in cal.events)


def by_icaljs(paths: list[Path]):
    if shutil.which("node") is None or not (JS / "node_modules" / "ical.js").exists():
        if os.environ.get("CI"):
            pytest.fail("ical.js is not installed: run 'npm ci --prefix tests/js' (.ci/run does)")
        pytest.skip("ical.js not installed (npm ci --prefix tests/js)")
    result = subprocess.run(["node", str(JS / "parse_ics.mjs"), *map(str, paths)], capture_output=True, text=True, check=True)
    data = json.loads(result.stdout)
    return {p: sorted((e["uid"], e["start"], e["end"], e["summary"]) for e in data[str(p)]) for p in paths}


def expected(problem, plan, name: str):
    """What a feed must hold, computed from the plan (not from the writer)."""
    index = problem.request_index
    out = []
    kind, _, key = name.removesuffix(".ics").partition("/")
    if kind == "units":  # a unit's feed is named by a slug of its name
        key = next(u for s in plan.sittings for u in s.units if unit_feed(u) == name)
    for s in plan.sittings:
        if name == "all.ics" or (kind == "rooms" and s.room == key) or (kind == "leaders" and key == s.chair):
            out.append((uid_for(s.id, plan.week), s.start, s.end))
        elif kind == "leaders" and key in s.leaders:
            for a, b in s.segments_of(key):
                first = next(i for i in s.items if i.start == a)
                out.append((uid_for(first.request_id, plan.week), a, b))
        elif kind == "units":
            for a, b in s.unit_segments(key):
                first = next(i for i in s.items if i.start == a)
                out.append((uid_for(first.request_id, plan.week), a, b))
    for r in problem.receptions:
        if name == "all.ics" or (kind == "leaders" and key in r.leaders) or (kind == "rooms" and r.room == key):
            out.append((f"reception-{r.id}-{plan.week:%Y%m%d}@scheduler", r.start, r.end))
    assert index  # the problem is the example week
    return sorted((uid, int(a.timestamp()), int(b.timestamp())) for uid, a, b in out)


def test_three_parsers_agree_with_each_other_and_with_the_plan(written, example_problem, example_plan):
    js = by_icaljs(list(written.values()))
    for name, path in written.items():
        events = by_vobject(path)
        assert events == by_ical(path) == js[path], name
        assert [e[:3] for e in events] == expected(example_problem, example_plan, name), name


def test_every_leader_room_and_unit_has_a_feed(written, example_problem, example_plan):
    names = set(written)
    assert "all.ics" in names
    assert {leader_feed(x.id) for x in example_problem.leaders} <= names
    assert {room_feed(r.id) for r in example_problem.rooms} <= names
    assert {unit_feed(u) for s in example_plan.sittings for u in s.units} <= names


def test_a_leader_in_one_item_of_a_combined_sitting_sees_only_that_item(written, example_problem, example_plan):
    cases = [(s, x) for s in example_plan.sittings if len(s.items) > 1 for x in s.leaders if x != s.chair and s.segments_of(x) != ((s.start, s.end),)]
    cases += [(s, None) for s in example_plan.sittings if len(s.items) > 1]
    assert cases, "the example week must have combined sittings"
    for sitting, leader in cases:
        if leader is None:
            continue
        # The leader may sit elsewhere while this sitting runs their-less items (套开): only this
        # sitting's events count, known by their UIDs (a segment's UID is its first item's).
        uids = {uid_for(rid, example_plan.week) for rid in sitting.request_ids}
        mine = [e for e in by_vobject(written[leader_feed(leader)]) if e[0] in uids]
        assert [(e[1], e[2]) for e in mine] == [(int(a.timestamp()), int(b.timestamp())) for a, b in sitting.segments_of(leader)]


def test_rfc5545_form(written, example_problem):
    for name, path in written.items():
        raw = path.read_bytes()
        assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
        for line in raw.split(b"\r\n"):
            assert len(line) <= 75, (name, line)
            line.decode("utf-8")  # folding never splits a character
        text = raw.decode("utf-8")
        assert "BEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai" in text
        assert "\r\nCOMMENT:" not in text  # icalendar's English note on the zone's years
        assert not re.search(r"年\d+月0\d日|年0\d月", text.replace("\r\n ", ""))  # 12月7日, as everywhere else
        assert "X-WR-CALNAME:" in text and "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in text
        assert "METHOD:PUBLISH\r\n" in text and "\r\nNAME:" in text and "X-PUBLISHED-TTL:PT1H\r\n" in text
        assert "2026" not in text.split("\r\nX-WR-CALNAME:")[1].split("\r\n")[0]  # a stable name, no date
        if "BEGIN:VEVENT" in text:
            assert "DTSTART;TZID=Asia/Shanghai:" in text


def test_event_content_in_chinese(written, example_problem, example_plan):
    cal = vobject.readOne(written["all.ics"].read_text(encoding="utf-8"))
    combined = next(s for s in example_plan.sittings if len(s.items) > 1)
    event = next(e for e in cal.vevent_list if e.uid.value == uid_for(combined.id, example_plan.week))
    assert event.summary.value.startswith("【套开】")
    description = event.description.value
    for n, item in enumerate(combined.items, 1):
        assert f"{n}. {item.start:%H:%M}-{item.end:%H:%M} {example_problem.request_index[item.request_id].title}" in description
    assert event.contents["x-scheduler-requests"][0].value == " ".join(combined.request_ids)
    assert event.location.value.startswith(example_problem.room_index[combined.room].name)
    chair = [a for a in event.attendee_list if a.params.get("ROLE") == ["CHAIR"]]
    assert len(chair) == 1 and chair[0].params["CN"][0].startswith(example_problem.leader_index[combined.chair].name)
    statuses = {e.status.value for e in cal.vevent_list}
    assert statuses <= {"CONFIRMED", "TENTATIVE"}
    pending = next(s for s in example_plan.sittings if any(example_problem.request_index[i.request_id].approval == "待审" for i in s.items))
    assert next(e for e in cal.vevent_list if e.uid.value == uid_for(pending.id, example_plan.week)).status.value == "TENTATIVE"


def test_a_segment_event_starts_with_the_leaders_own_item(written, example_problem, example_plan):
    index = example_problem.request_index
    cases = [(s, x) for s in example_plan.sittings if len(s.items) > 1 for x in s.leaders if x != s.chair and s.segments_of(x) != ((s.start, s.end),)]
    assert cases
    for sitting, leader in cases:
        cal = vobject.readOne(written[leader_feed(leader)].read_text(encoding="utf-8"))
        for a, b in sitting.segments_of(leader):
            event = next(e for e in cal.vevent_list if e.dtstart.value.timestamp() == a.timestamp())
            first, second = event.description.value.split("\n")[:2]
            assert first.startswith("本人参加：") and f"{a:%H:%M}-{b:%H:%M}" in first
            item = next(i for i in sitting.items if i.start == a)
            assert second.strip().startswith(f"{item.start:%H:%M}-{item.end:%H:%M} {index[item.request_id].title}")


def test_an_empty_feed_is_still_a_valid_calendar():
    from tests.conftest import make_plan, make_problem

    problem = make_problem([])
    empty = feeds(problem, make_plan(), now=NOW)[room_feed("R1")]
    text = empty.decode("utf-8")
    assert "BEGIN:VTIMEZONE" in text and "BEGIN:VEVENT" not in text
    assert vobject.readOne(text).vtimezone.tzid.value == "Asia/Shanghai"
    assert IcsCalendarStream.calendar_from_ics(text).events == []
