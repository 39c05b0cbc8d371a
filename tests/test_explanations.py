"""Every explanation claim in the example week, checked against the plan and the inputs: the
requests a combined item sits with and its own time, the link named and its score, the lengths
and caps of a shortening, the days and causes of a move, and each blocking commitment,
reception, sitting or room use with its whole span."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from scheduler.busy import span_text
from scheduler.domain import COMBINED, MOVED, NOT_PLACEABLE, SHORTENED, WEEKDAYS_ZH
from scheduler.related import relations
from scheduler.solve import level_lines

SPAN = r"\d+月\d+日（周.）\d\d:\d\d(?:-\d\d:\d\d|至\d+月\d+日（周.）\d\d:\d\d)"
COMMITMENT = re.compile(rf"(?P<who>[\u4e00-\u9fff、]+?)已有日程「(?P<title>[^」]+)」（(?P<span>{SPAN})(?:，外出)?）")
RECEPTION = re.compile(rf"(?P<who>[\u4e00-\u9fff、]+?)陪同公务接待「(?P<title>[^」]+)」（(?P<span>{SPAN})）")
SITTING = re.compile(rf"已安排的会议「(?P<titles>[^」]+)」（(?P<span>{SPAN})，(?P<who>[^）]+)）")
ROOM_USE = re.compile(rf"会议室「(?P<room>[^」]+)」已(?:用于公务接待|安排会议)「(?P<title>[^」]+)」（(?P<span>{SPAN})）")
DAY = re.compile(r"(\d+)月(\d+)日（(周.)）")


def _date(problem, month: str, day: str):
    for n in range(7):
        d = problem.week + timedelta(days=n)
        if d.month == int(month) and d.day == int(day):
            return d
    raise AssertionError(f"{month}月{day}日 is not in the planned week")


def _names(problem, text: str) -> set[str]:
    by_name = {x.name: x.id for x in problem.leaders}
    return {by_name[n] for n in text.split("、")}


def _check_blockers(problem, plan, text: str) -> int:
    """Each blocker named in `text` exists with the span printed; returns how many were seen."""
    seen = 0
    for m in COMMITMENT.finditer(text):
        leaders = _names(problem, m["who"])
        assert any(c.leader in leaders and c.title == m["title"] and span_text(c.start, c.end) == m["span"] for c in problem.commitments), m[0]
        seen += 1
    for m in RECEPTION.finditer(text):
        leaders = _names(problem, m["who"])
        assert any(r.title == m["title"] and leaders <= set(r.leaders) and span_text(r.start, r.end) == m["span"] for r in problem.receptions), m[0]
        seen += 1
    index = problem.request_index
    for m in SITTING.finditer(text):
        titles = m["titles"].split("；")
        leaders = _names(problem, m["who"])
        assert any(
            [index[i.request_id].title for i in s.items] == titles and leaders <= set(s.leaders)
            and any(span_text(a, b) == m["span"] for x in leaders for a, b in s.segments_of(x))
            for s in plan.sittings
        ), m[0]
        seen += 1
    for m in ROOM_USE.finditer(text):
        room = next(r.id for r in problem.rooms if r.name == m["room"])
        uses = [(r.title, r.start, r.end) for r in problem.receptions if r.room == room]
        uses += [("；".join(index[i.request_id].title for i in s.items), s.start, s.end) for s in plan.sittings if s.room == room]
        assert any(t == m["title"] and span_text(a, b) == m["span"] for t, a, b in uses), m[0]
        seen += 1
    return seen


def test_combined_items_name_their_partners_times_and_link(example_problem, example_plan):
    pairs = relations(example_problem)
    index = example_problem.request_index
    checked = 0
    for o in example_plan.outcomes:
        if COMBINED not in o.codes:
            continue
        sitting = example_plan.sitting(o.sitting)
        item = next(i for i in sitting.items if i.request_id == o.request_id)
        reason = o.reasons[0]
        others = [i.request_id for i in sitting.items if i.request_id != o.request_id]
        assert reason.startswith("与" + "、".join(f"{x}「{index[x].title}」" for x in others) + "套开")
        assert f"本项为第{sitting.items.index(item) + 1}项议程（{item.start:%H:%M}-{item.end:%H:%M}）" in reason
        link = re.search(r"相关依据：与(\w+?)(主办单位申请套开|主题标签相同（[^）]+）|会议名称和议题相近（[^）]+）)（关联度([\d.]+)）", reason)
        assert link, reason
        relation = pairs[tuple(sorted((o.request_id, link[1])))]
        assert link[2] == relation.reasons[0] and link[3] == f"{relation.score:.2f}"
        assert relation.score == max(pairs[tuple(sorted((o.request_id, x)))].score for x in others if tuple(sorted((o.request_id, x))) in pairs)
        checked += 1
    assert checked >= 10


def test_shortenings_state_true_lengths_and_causes(example_problem, example_plan):
    settings = example_problem.settings
    checked = 0
    for o in example_plan.outcomes:
        if SHORTENED not in o.codes:
            continue
        request = example_problem.request_index[o.request_id]
        sitting = example_plan.sitting(o.sitting)
        item = next(i for i in sitting.items if i.request_id == o.request_id)
        reason = next(r for r in o.reasons if r.startswith("时长由"))
        assert reason.startswith(f"时长由{request.minutes}分钟压缩为{item.minutes}分钟")
        cap = re.search(r"(\S+?)时长上限为(\d+)分钟", reason)
        if cap:
            assert settings.caps(request.kind).max_minutes == int(cap[2]) < request.minutes and request.fixed_start is None
        if "省去开场环节" in reason:
            assert sitting.items[0] is not item
        planned = min(request.minutes, settings.caps(request.kind).max_minutes or request.minutes)
        overhead = 0 if sitting.items[0] is item else settings.opening_overhead_minutes
        assert ("压缩至最短时长" in reason) == (item.minutes < planned - overhead)
        checked += 1
    assert checked >= 5


def test_moves_name_the_days_and_what_blocked_each(example_problem, example_plan):
    checked = 0
    for o in example_plan.outcomes:
        if MOVED not in o.codes:
            continue
        request = example_problem.request_index[o.request_id]
        sitting = example_plan.sitting(o.sitting)
        reason = next(r for r in o.reasons if r.startswith("原申请"))
        days = DAY.findall(reason)
        assert _date(example_problem, *days[0][:2]) == request.earliest
        assert _date(example_problem, *days[-1][:2]) == sitting.start.date() and days[-1][2] == WEEKDAYS_ZH[sitting.start.weekday()]
        for part in reason.split("；"):
            m = DAY.search(part)
            if "为无会日" in part:
                day = _date(example_problem, *m.groups()[:2])
                assert any(d.date == day and d.no_meeting for d in example_problem.days)
            if "不是工作日" in part:
                day = _date(example_problem, *m.groups()[:2])
                assert all(d.date != day for d in example_problem.days)
        assert _check_blockers(example_problem, example_plan, reason) >= 1
        checked += 1
    assert checked >= 2


def test_unplaced_requests_name_the_smallest_blocking_set(example_problem, example_plan):
    for o in example_plan.outcomes:
        if NOT_PLACEABLE in o.codes and o.blockers:
            assert sum(_check_blockers(example_problem, example_plan, b) for b in o.blockers) == len(o.blockers)
    h14 = example_plan.outcome_index["H14"]
    assert h14.blockers and "至" in h14.blockers[0]  # a multi-day commitment shows both dates


def test_level_lines_match_the_plan(example_plan):
    text = "；".join(level_lines(example_plan))
    assert f"会议{len(example_plan.sittings)}场" in text
    assert f"已排{sum(len(s.items) for s in example_plan.sittings)}项" in text
    assert "gap" not in text
