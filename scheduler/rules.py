"""The rule catalogue: one entry per business rule — its name, Chinese title and reason text,
its level when it is soft, and for a hard rule a plain-Python `check(problem, plan)` that knows
nothing of the solver. The model (`model.py`) posts each rule by its builder, looked up by the
same name; the staged solve minimises the soft levels in catalogue order; `solve`, `publish`
and the end-to-end tests run every check on a plan.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Iterator

from .busy import COMMITMENT, RECEPTION, SITTING, all_busy
from .domain import Plan, Problem
from .related import connected, planned_minutes, relations
from .timegrid import exempt_from_no_meeting_day, fits, half_days, part_of_day

HARD, SOFT = "hard", "soft"


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    message: str


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    kind: str
    title: str  # Chinese, for staff: what the rule says
    reason: str = ""  # Chinese: why a request could not be placed, when this rule is the cause
    check: Callable[[Problem, Plan], Iterator[Violation]] | None = None
    level: str = ""  # soft rules: the level of the staged objective they belong to


def _label(b) -> str:
    if b.source == SITTING:
        return f"会议{b.ref}"
    if b.source == RECEPTION:  # with its 编号, so staff find the row
        return f"公务接待{b.ref}{b.text[len('公务接待'):]}"
    return b.text


def check_leader_not_double_booked(problem: Problem, plan: Plan):
    for leader, spans in all_busy(problem, plan).items():
        spans.sort(key=lambda x: (x.start, x.end))
        for i, a in enumerate(spans):
            for b in spans[i + 1 :]:
                if b.start >= a.end:
                    break
                if SITTING in (a.source, b.source):
                    yield Violation("leader_not_double_booked", f"{leader}: {_label(a)} {a.start:%m-%d %H:%M} 与 {_label(b)} {b.start:%m-%d %H:%M} 时间重叠")


def check_leader_travel_buffer(problem: Problem, plan: Plan):
    buffer = problem.settings.travel_buffer_minutes * 60
    for leader, spans in all_busy(problem, plan).items():
        spans = sorted((s for s in spans if s.building and s.source != COMMITMENT), key=lambda x: (x.start, x.end))
        for i, a in enumerate(spans):
            for b in spans[i + 1 :]:
                if (b.start - a.end).total_seconds() >= buffer:
                    break
                if a.building != b.building and (b.start - a.end).total_seconds() >= 0 and SITTING in (a.source, b.source):
                    yield Violation("leader_travel_buffer", f"{leader}: {_label(a)}（{a.building}）{a.end:%H:%M}结束，{_label(b)}（{b.building}）{b.start:%H:%M}开始")


def check_room_not_double_booked(problem: Problem, plan: Plan):
    uses = defaultdict(list)
    for s in plan.sittings:
        uses[s.room].append((s.start, s.end, f"会议{s.id}"))
    for r in problem.receptions:
        if r.room:
            uses[r.room].append((r.start, r.end, f"接待{r.id}"))
    for room, spans in uses.items():
        spans.sort()
        for a, b in zip(spans, spans[1:]):
            if b[0] < a[1]:
                yield Violation("room_not_double_booked", f"{room}: {a[2]} and {b[2]} overlap")


def check_room_fits_attendees(problem: Problem, plan: Plan):
    rooms = problem.room_index
    for s in plan.sittings:
        if s.room not in rooms:
            yield Violation("room_fits_attendees", f"{s.id}: unknown room {s.room}")
        elif rooms[s.room].capacity < s.attendees:
            yield Violation("room_fits_attendees", f"{s.id}: {s.attendees} attendees in {s.room} (capacity {rooms[s.room].capacity})")


def check_room_not_oversized(problem: Problem, plan: Plan):
    """A sitting's room is of one of the `room_size_choices` smallest sizes that would hold it
    (with video where an item needs it): a small meeting is not put in the big hall."""
    rooms, index = problem.room_index, problem.request_index
    choices = problem.settings.room_size_choices
    for s in plan.sittings:
        if s.room not in rooms:
            continue
        video = any(index[i.request_id].needs_video for i in s.items if i.request_id in index)
        sizes = sorted({r.capacity for r in problem.rooms if r.capacity >= s.attendees and (r.video or not video)})
        if rooms[s.room].capacity in sizes[choices:]:
            yield Violation("room_not_oversized", f"{s.id}: {s.attendees} attendees in {s.room} (capacity {rooms[s.room].capacity}), smaller rooms of {choices} sizes would hold them")


def check_video_needs_video_room(problem: Problem, plan: Plan):
    rooms, index = problem.room_index, problem.request_index
    for s in plan.sittings:
        if any(index[i.request_id].needs_video for i in s.items) and s.room in rooms and not rooms[s.room].video:
            yield Violation("video_needs_video_room", f"{s.id}: video meeting in {s.room}")


def check_within_office_hours(problem: Problem, plan: Plan):
    clock = problem.clock
    halves = tuple((h.start, h.end) for h in half_days(problem))
    for s in plan.sittings:
        start, end = clock.minute(s.start), clock.minute(s.end)
        if not fits(halves, start, end - start):
            yield Violation("within_office_hours", f"{s.id}: {s.start:%m-%d %H:%M}-{s.end:%H:%M} is not inside office hours of a working day")


def check_fixed_events_kept(problem: Problem, plan: Plan):
    index = problem.request_index
    for s in plan.sittings:
        for item in s.items:
            fixed = index[item.request_id].fixed_start
            if fixed is not None and item.start != fixed:
                yield Violation("fixed_events_kept", f"{item.request_id}: fixed at {fixed:%m-%d %H:%M}, planned {item.start:%m-%d %H:%M}")


def _item_check(rule: str, test, text: str):
    def check(problem: Problem, plan: Plan):
        clock, index = problem.clock, problem.request_index
        for s in plan.sittings:
            for item in s.items:
                request = index[item.request_id]
                if not test(problem, request, clock.minute(item.start), item):
                    yield Violation(rule, f"{item.request_id}: {text}")
    return check


def _in_window(problem, request, start, item):
    week = problem.week
    days = {(d.date - week).days for d in problem.days}
    day = start // 1440
    return day in days and (not request.earliest or day >= (request.earliest - week).days) and (not request.latest or day <= (request.latest - week).days)


def _in_part(problem, request, start, item):
    return request.part_of_day not in ("上午", "下午") or part_of_day(problem, start) == request.part_of_day


def _not_on_no_meeting_day(problem, request, start, item):
    day = item.start.date()
    return exempt_from_no_meeting_day(request) or not any(d.date == day and d.no_meeting for d in problem.days)


def _within_kind_max(problem, request, start, item):
    return item.minutes <= planned_minutes(problem, request)


check_within_request_window = _item_check("within_request_window", _in_window, "outside its date window (最早日期/最晚日期)")
check_within_part_of_day = _item_check("within_part_of_day", _in_part, "outside its part of day (时段)")
check_no_meeting_day = _item_check("no_meeting_day", _not_on_no_meeting_day, "on a no-meeting day (无会日)")
check_within_kind_max_length = _item_check("within_kind_max_length", _within_kind_max, "longer than its type's maximum")


def check_leader_daily_cap(problem: Problem, plan: Plan):
    counts = defaultdict(int)
    for s in plan.sittings:
        for leader in s.leaders:
            counts[(leader, s.start.date())] += 1
    for r in problem.receptions:
        for leader in r.leaders:
            counts[(leader, r.start.date())] += 1
    for (leader_id, day), n in sorted(counts.items()):
        cap = problem.leader_index[leader_id].max_per_day if leader_id in problem.leader_index else None
        if cap is not None and n > cap:
            yield Violation("leader_daily_cap", f"{leader_id} has {n} meetings on {day}, cap {cap}")


def check_sitting_is_well_formed(problem: Problem, plan: Plan):
    """Same chair, mergeable and related items only, back to back, within length and count."""
    index, settings = problem.request_index, problem.settings
    pairs = None  # computed once, when a sitting of several items is met
    for s in plan.sittings:
        requests = [index[i.request_id] for i in s.items]
        if any(r.chair != s.chair for r in requests):
            yield Violation("sitting_is_well_formed", f"{s.id}: items with different chairs")
        if len(requests) > 1 and not all(r.mergeable for r in requests):
            yield Violation("sitting_is_well_formed", f"{s.id}: holds a request marked 可否套开=否 with others")
        if len(requests) > 1 and (s.minutes > settings.max_sitting_minutes or len(requests) > settings.max_items_per_sitting):
            yield Violation("sitting_is_well_formed", f"{s.id}: {len(requests)} items, {s.minutes} minutes is over the limit")
        if s.items[0].start != s.start or s.items[-1].end != s.end or any(a.end != b.start for a, b in zip(s.items, s.items[1:])):
            yield Violation("sitting_is_well_formed", f"{s.id}: items are not back to back")
        if len(requests) > 1 and not connected(s.request_ids, pairs if pairs is not None else (pairs := relations(problem))):
            yield Violation("sitting_is_well_formed", f"{s.id}: holds items not linked by related matters")


def check_each_request_once(problem: Problem, plan: Plan):
    seen = defaultdict(int)
    for s in plan.sittings:
        for item in s.items:
            seen[item.request_id] += 1
    for rid, n in seen.items():
        if n > 1 or rid not in problem.request_index:
            yield Violation("each_request_once", f"{rid} is planned {n} times")
        elif problem.request_index[rid].approval == "退回":
            yield Violation("each_request_once", f"{rid} was returned (退回) but is planned")


CATALOGUE: tuple[Rule, ...] = (
    # Hard rules: a plan must never break them.
    Rule("leader_not_double_booked", HARD, "领导不得同一时间出现在两处（会议、接待、已有日程）", "领导时间冲突", check_leader_not_double_booked),
    Rule("leader_travel_buffer", HARD, "领导在不同楼宇间转场须留足路途时间", "领导转场路途时间不足", check_leader_travel_buffer),
    Rule("room_not_double_booked", HARD, "同一会议室同一时间只安排一场", "会议室已被占用", check_room_not_double_booked),
    Rule("room_fits_attendees", HARD, "会议室容纳人数不少于参会人数", "没有容纳得下的会议室", check_room_fits_attendees),
    Rule("room_not_oversized", HARD, "会议室不过大：只用容纳得下的最小几档（room_size_choices）会议室", "容纳得下的较小会议室均已占用", check_room_not_oversized),
    Rule("video_needs_video_room", HARD, "视频、电视电话会议须安排在有视频设备的会议室", "没有容纳得下的视频会议室", check_video_needs_video_room),
    Rule("within_office_hours", HARD, "只在工作日办公时间内安排，不跨午休", "申请的日期均不是工作日，或时长超过半天的办公时间", check_within_office_hours),
    Rule("fixed_events_kept", HARD, "公务接待、固定时间会议、已有日程不得调整", "固定时间不在工作日办公时间内", check_fixed_events_kept),
    Rule("within_request_window", HARD, "不得超出申请的日期范围", "申请的日期范围内没有工作日", check_within_request_window),
    Rule("within_part_of_day", HARD, "不得超出申请的时段（上午/下午）", "申请的时段内没有办公时间", check_within_part_of_day),
    Rule("within_kind_max_length", HARD, "不得超过该类会议的时长上限（固定时间会议除外）", "超过该类会议的时长上限", check_within_kind_max_length),
    Rule("no_meeting_day", HARD, "无会日不安排会议（上级固定或紧急会议除外）", "申请的日期均为无会日，且该会议不是上级固定或紧急会议", check_no_meeting_day),
    Rule("leader_daily_cap", HARD, "不超过领导每日会议上限", "领导当日会议已达每日上限", check_leader_daily_cap),
    Rule("sitting_is_well_formed", HARD, "套开会议同一主持、议题相关、均可套开、连续安排、不超过时长和议题数上限", "", check_sitting_is_well_formed),
    Rule("each_request_once", HARD, "每项申请至多安排一次", "", check_each_request_once),
    Rule("approval_returned", HARD, "审批状态为退回的申请不安排", "审批状态为“退回”，按规定不予安排"),
    # Soft rules, level by level (SPEC §5): each level is minimised with all above held.
    Rule("schedule_requests", SOFT, "尽量安排每一项申请，紧急和年度计划内的优先", "在求解预算内未能排入", level="schedule_requests"),
    Rule("stay_close_to_published", SOFT, "重新安排已发布的一周时，尽量少改动", level="stay_close_to_published"),
    Rule("fewer_sittings", SOFT, "套开相关会议，减少会议场次", level="fewer_sittings"),
    Rule("stronger_merges", SOFT, "套开优先选择议题关联度高的会议", level="stronger_merges"),
    Rule("fewer_attendance_trips", SOFT, "减少参会人次：同一单位或领导在一场会议中只到会一次", level="fewer_attendance_trips"),
    Rule("avoid_shortening", SOFT, "压缩到申请时长以下须换来更好的安排", level="avoid_shortening"),
    Rule("fewer_person_minutes", SOFT, "减少人·分钟：会议更短，领导和单位只参加本项议程", level="fewer_person_minutes"),
    Rule("smallest_room", SOFT, "选用容纳得下的最小会议室", level="rooms"),
    Rule("chair_keeps_room", SOFT, "同一主持领导当天的会议尽量在同一会议室", level="rooms"),
    Rule("prefer_urgent_early", SOFT, "紧急会议尽早安排", level="preferences"),
    Rule("prefer_asked_day", SOFT, "尽量安排在申请的最早日期", level="preferences"),
    Rule("even_leader_load", SOFT, "领导每日会议负担均衡", level="preferences"),
)
RULES = {rule.name: rule for rule in CATALOGUE}
# The staged objective's levels, most important first, each with the soft rules it sums.
LEVELS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (level, tuple(r.name for r in CATALOGUE if r.level == level)) for level in dict.fromkeys(r.level for r in CATALOGUE if r.kind == SOFT)
)


def check(problem: Problem, plan: Plan) -> list[Violation]:
    """Every hard rule's check on a plan; [] when the plan keeps them all."""
    out: list[Violation] = []
    for rule in CATALOGUE:
        if rule.kind == HARD and rule.check is not None:
            out.extend(rule.check(problem, plan))
    return out


# --- findings before solving (scheduler check) -------------------------------------------------


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    request_id: str | None
    message: str  # Chinese, for staff


def repeated_meetings(problem: Problem, earlier: list[dict]) -> list[Finding]:
    """同一事项反复开会: a request whose organiser held a meeting on a similar matter in the
    weeks before (`earlier`: the ledger's rows of the meetings held)."""
    from .related import text_similarity

    out = []
    threshold = problem.settings.similarity_threshold
    for r in problem.requests:
        for e in earlier:
            if e["organiser"] == r.organiser and text_similarity(r.title + r.agenda, e["title"] + e["agenda"]) >= threshold:
                out.append(Finding("repeated_meeting", r.id, f"{r.id}「{r.title}」与{e['week']}当周已开的{e['id']}「{e['title']}」可能是同一事项反复开会"))
                break
    return out


def precheck(problem: Problem) -> list[Finding]:
    """What staff should know before solving: requests that cannot be placed whatever the plan,
    late and urgent requests, oversized meetings, AB-role leaders away together."""
    from .timegrid import diagnose  # local: only this helper needs it

    out: list[Finding] = []
    index = problem.leader_index
    deadline = problem.settings.effective_deadline(problem.week)
    week_start, week_end = problem.clock.at(0), problem.clock.at(7 * 1440)
    for r in problem.requests:
        caps = problem.settings.caps(r.kind)
        if r.approval == "退回":
            out.append(Finding("approval_returned", r.id, f"{r.id}「{r.title}」审批状态为退回，不予安排"))
            continue
        if r.submitted_at and r.submitted_at > deadline:
            out.append(Finding("late_submission", r.id, f"{r.id}「{r.title}」逾期报送（{r.submitted_at:%m-%d %H:%M}，截止{deadline:%m-%d %H:%M}）"))
        if r.urgent and not r.urgent_reason:
            out.append(Finding("urgent_without_reason", r.id, f"{r.id}「{r.title}」标为紧急但未填紧急理由"))
        rule = diagnose(problem, r, planned_minutes(problem, r))
        if rule:
            out.append(Finding(rule, r.id, f"{r.id}「{r.title}」在申请范围内没有可用时间（{RULES[rule].title}）"))
        if not any(room.capacity >= r.attendees for room in problem.rooms):
            out.append(Finding("room_fits_attendees", r.id, f"{r.id}「{r.title}」参会{r.attendees}人，没有容纳得下的会议室"))
        elif r.needs_video and not any(room.capacity >= r.attendees and room.video for room in problem.rooms):
            out.append(Finding("video_needs_video_room", r.id, f"{r.id}「{r.title}」为{r.format}会议，没有容纳得下的视频会议室"))
        if caps.max_attendees and r.attendees > caps.max_attendees:
            out.append(Finding("kind_max_attendees", r.id, f"{r.id}「{r.title}」参会{r.attendees}人，超过{r.kind}上限{caps.max_attendees}人"))
        if caps.max_minutes and r.minutes > caps.max_minutes:
            out.append(Finding("within_kind_max_length", r.id, f"{r.id}「{r.title}」拟用{r.minutes}分钟，将压缩至{r.kind}上限{caps.max_minutes}分钟"))
        if rule is None:
            blocked = _no_free_time(problem, r)
            if blocked:
                out.append(Finding("no_free_time", r.id, f"{r.id}「{r.title}」在申请范围内没有可用时间：{blocked}"))
    for leader in problem.leaders:
        if not leader.pair or leader.pair not in index or leader.id > leader.pair:
            continue
        mine = [c for c in problem.commitments if c.leader == leader.id and c.away and c.end > week_start and c.start < week_end]
        theirs = [c for c in problem.commitments if c.leader == leader.pair and c.away]
        for a in mine:
            for b in theirs:
                if a.start < b.end and b.start < a.end:
                    out.append(Finding("ab_pair_both_away", None, f"AB角{leader.name}与{index[leader.pair].name}同时外出（{max(a.start, b.start):%m-%d %H:%M}起）"))
    return out


def _no_free_time(problem: Problem, request) -> str | None:
    """When the request's leaders are taken (away, commitments, receptions) for its whole
    window — no free stretch of its minimum length in any half-day it may use — say by whom."""
    from .busy import fixed_busy, leader_name
    from .related import minimum_minutes
    from .timegrid import request_spans

    clock = problem.clock
    minutes = minimum_minutes(problem, request)
    busy = fixed_busy(problem)
    takers: dict[str, list[str]] = {}
    fixed = clock.minute(request.fixed_start) if request.fixed_start is not None else None
    for a, b in request_spans(problem, request):
        taken = sorted((
            (max(clock.minute(x.start), a), min(clock.minute(x.end), b), x)
            for leader in request.everyone for x in busy.get(leader, []) if clock.minute(x.start) < b and clock.minute(x.end) > a
        ), key=lambda t: (t[0], t[1], t[2].leader, t[2].text))
        if fixed is not None:
            if not a <= fixed < b:
                continue
            taken = [t for t in taken if t[0] < fixed + minutes and fixed < t[1]]
            if not taken:
                return None
        else:
            at = a
            for start, end, _ in [*taken, (b, b, None)]:
                if start - at >= minutes:
                    return None
                at = max(at, end)
        for _, _, x in taken:
            takers.setdefault(f"{leader_name(problem, x.leader)}{x.text}", [])
    return "；".join(takers) if takers else None
