"""iCalendar in and out: leaders' busy .ics files (recurrences expanded) and the plan's feeds.

Feeds are RFC 5545: DTSTART/DTEND with TZID and a VTIMEZONE, lines folded at 75 octets
(icalendar never splits a UTF-8 character), stable UIDs, SEQUENCE, STATUS, ATTENDEE with CN and
ROLE. The request ids an event covers are in X-SCHEDULER-REQUESTS, separated by spaces
(commas would be read as a list of values, and some parsers keep only the first).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from .domain import APPROVED, WEEKDAYS_ZH, Commitment, Plan, Problem, Reception, Sitting
from .files import safe_name

PRODID = "-//scheduler//会议统筹//ZH"
REQUESTS_PROPERTY = "X-SCHEDULER-REQUESTS"
UTC = ZoneInfo("UTC")


# --- reading busy calendars -------------------------------------------------------------------


# Bounds on reading a busy calendar: how many events a file may hold, and how many steps a
# recurrence may take from its first occurrence to the end of the planned week.
MAX_BUSY_COMPONENTS = 5000
MAX_RECURRENCE_STEPS = 50_000
_FREQ_SECONDS = {"HOURLY": 3600, "DAILY": 86400, "WEEKLY": 7 * 86400, "MONTHLY": 28 * 86400, "YEARLY": 365 * 86400}
_BY_PARTS = ("BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH", "BYSETPOS")


class BusyRefused(ValueError):
    """A busy calendar over a bound; the message says which."""


def _recurrence_steps(event, end: datetime) -> int:
    """An upper bound of the work to expand the event's recurrences up to `end`."""
    rules = event.get("RRULE")
    if rules is None:
        return 0
    first = event.decoded("DTSTART")
    if not isinstance(first, datetime):
        first = datetime.combine(first, time(0))
    first = first if first.tzinfo else first.replace(tzinfo=end.tzinfo)
    span = max((end - first).total_seconds(), 0)
    steps = 0
    for rule in rules if isinstance(rules, list) else [rules]:
        freq = str((rule.get("FREQ") or ["?"])[0]).upper()
        if freq not in _FREQ_SECONDS:
            raise BusyRefused(f"含按{'秒' if freq == 'SECONDLY' else '分钟' if freq == 'MINUTELY' else '未知频率'}重复的日程（FREQ={freq}）；只接受按小时、天、周、月、年重复的日程")
        interval = max(int((rule.get("INTERVAL") or [1])[0]), 1)
        spread = 1
        for part in _BY_PARTS:
            spread *= max(len(rule.get(part) or []), 1)
        steps += int(span // (_FREQ_SECONDS[freq] * interval) + 1) * spread
    return steps


def read_busy(data: bytes, *, leader: str, start: datetime, end: datetime, source: str, max_events: int = 200) -> list[Commitment]:
    """A leader's existing events between start and end, recurring ones expanded (within that
    span only). Bounded: a file of more than MAX_BUSY_COMPONENTS events, a recurrence that would
    take more than MAX_RECURRENCE_STEPS steps, or more than `max_events` events in the span is
    refused with a ValueError saying so (in Chinese)."""
    components = data.count(b"BEGIN:VEVENT")
    if components > MAX_BUSY_COMPONENTS:
        raise ValueError(f"有 {components} 个日程，超过每个文件 {MAX_BUSY_COMPONENTS} 个的上限；请只导出近期的日程")
    try:
        calendar = icalendar.Calendar.from_ical(data)
        for event in calendar.walk("VEVENT"):
            if _recurrence_steps(event, end) > MAX_RECURRENCE_STEPS:
                raise BusyRefused(f"日程「{str(event.get('SUMMARY', ''))[:40]}」的重复规则过密或起点过早，展开需超过 {MAX_RECURRENCE_STEPS} 步；请缩短重复范围后重新导出")
        events = recurring_ical_events.of(calendar).between(start, end)
    except BusyRefused:
        raise
    except Exception:  # the parsers raise KeyError, TypeError and their own types
        raise ValueError("不是可读的 iCalendar（.ics）文件；请从日历软件重新导出") from None
    if len(events) > max_events:
        raise ValueError(f"在计划周内有 {len(events)} 个日程，超过每位领导 {max_events} 个的上限")
    tz = start.tzinfo
    out = []
    for event in events:
        if str(event.get("TRANSP", "")).upper() == "TRANSPARENT" or str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        begin = event.decoded("DTSTART")
        finish = event.decoded("DTEND") if "DTEND" in event else None
        if not isinstance(begin, datetime):  # an all-day event: busy the whole day(s)
            finish = finish or begin + timedelta(days=1)
            begin, finish = (datetime.combine(d, time(0), tzinfo=tz) for d in (begin, finish))
        else:
            begin = begin if begin.tzinfo else begin.replace(tzinfo=tz)
            if finish is None:
                finish = begin + (event.decoded("DURATION") if "DURATION" in event else timedelta(0))
            finish = finish if finish.tzinfo else finish.replace(tzinfo=tz)
        out.append(Commitment(
            leader=leader, start=begin.astimezone(tz), end=finish.astimezone(tz), title=str(event.get("SUMMARY", "（无标题）")),
            away=str(event.get("X-SCHEDULER-AWAY", "")).upper() == "TRUE", source=source,
        ))
    return out


# --- writing feeds ----------------------------------------------------------------------------


def uid_for(request_id: str, week: date) -> str:
    return f"{request_id}-{week:%Y%m%d}@scheduler"


def reception_uid(reception_id: str, week: date) -> str:
    return f"reception-{reception_id}-{week:%Y%m%d}@scheduler"


def _leader_cn(problem: Problem, leader_id: str) -> str:
    leader = problem.leader_index.get(leader_id)
    return f"{leader.name}（{leader.title}）" if leader and leader.title else (leader.name if leader else leader_id)


def _leader_address(problem: Problem, leader_id: str) -> str:
    leader = problem.leader_index.get(leader_id)
    return f"mailto:{leader.email}" if leader and leader.email else f"urn:x-scheduler:leader:{leader_id}"


def own_part_text(problem: Problem, sitting: Sitting, span, items) -> str:
    """The first lines of a segment event: the person's own item(s) and time, before the
    whole agenda, so the first thing read agrees with the event's own time."""
    index = problem.request_index
    start, end = span
    lines = [f"本人参加：{start.year}年{start.month}月{start.day}日 {WEEKDAYS_ZH[start.weekday()]} {start:%H:%M}-{end:%H:%M}"]
    lines += [f"  {i.start:%H:%M}-{i.end:%H:%M} {index[i.request_id].title}" for i in items]
    lines.append("（以下为本次套开会议的全部议程）")
    return "\n".join(lines)


def agenda_text(problem: Problem, sitting: Sitting) -> str:
    """The whole agenda of a sitting with each item's times, as staff would read it."""
    index = problem.request_index
    room = problem.room_index.get(sitting.room)
    lines = [
        f"主持：{_leader_cn(problem, sitting.chair)}",
        f"时间：{sitting.start.year}年{sitting.start.month}月{sitting.start.day}日 {WEEKDAYS_ZH[sitting.start.weekday()]} {sitting.start:%H:%M}-{sitting.end:%H:%M}",
        f"地点：{room.name if room else sitting.room}",
    ]
    if len(sitting.items) > 1:
        lines.append(f"套开：本次会议合并安排 {len(sitting.items)} 项议程，各项议程相关领导和单位只参加本项。")
    lines.append("议程：")
    for n, item in enumerate(sitting.items, 1):
        request = index[item.request_id]
        lines.append(f"{n}. {item.start:%H:%M}-{item.end:%H:%M} {request.title}（{request.organiser}，{request.kind}）")
        if request.agenda:
            lines.append(f"   议题：{request.agenda}")
        others = [problem.leader_index[x].name for x in problem.by_rank(item.leaders) if x != sitting.chair and x in problem.leader_index]
        if others:
            lines.append(f"   出席领导：{'、'.join(others)}")
        if item.units:
            lines.append(f"   参会单位：{'、'.join(item.units)}")
    lines.append(f"会议编号：{', '.join(sitting.request_ids)}")
    return "\n".join(lines)


def _status(problem: Problem, request_ids) -> str:
    index = problem.request_index
    return "CONFIRMED" if all(index[r].approval == APPROVED for r in request_ids) else "TENTATIVE"


def _event_for(problem: Problem, plan: Plan, sitting: Sitting, *, span=None, items=None, now: datetime, sequences: dict[str, int]) -> icalendar.Event:
    """The whole sitting, or (span, items) one person's own segment of it."""
    index = problem.request_index
    items = items or sitting.items
    start, end = span or (sitting.start, sitting.end)
    first = index[items[0].request_id]
    uid = uid_for(items[0].request_id, plan.week)
    event = icalendar.Event()
    event.add("UID", uid)
    event.add("DTSTAMP", now.astimezone(UTC))
    event.add("DTSTART", start.astimezone(problem.tz))  # a named zone: TZID and VTIMEZONE
    event.add("DTEND", end.astimezone(problem.tz))
    if len(sitting.items) > 1 and span is None:
        summary = "【套开】" + "；".join(index[i.request_id].title for i in sitting.items)
    elif len(sitting.items) > 1:
        summary = "；".join(index[i.request_id].title for i in items) + "（套开会议议程）"
    else:
        summary = first.title
    event.add("SUMMARY", summary)
    room = problem.room_index.get(sitting.room)
    if room:
        event.add("LOCATION", f"{room.name}（{room.building}）" if room.building else room.name)
    description = agenda_text(problem, sitting)
    if span is not None:
        description = own_part_text(problem, sitting, span, items) + "\n" + description
    event.add("DESCRIPTION", description)
    event.add("STATUS", _status(problem, [i.request_id for i in items]))
    event.add("SEQUENCE", sequences.get(uid, 0))
    event.add("CATEGORIES", [index[i.request_id].kind for i in items])
    event.add(REQUESTS_PROPERTY, " ".join(i.request_id for i in items))
    people = problem.by_rank({x for i in items for x in i.leaders} | {sitting.chair} if span is None else {x for i in items for x in i.leaders})
    for leader_id in people:
        role = "CHAIR" if leader_id == sitting.chair else "REQ-PARTICIPANT"
        event.add("ATTENDEE", _leader_address(problem, leader_id), parameters={"CN": _leader_cn(problem, leader_id), "ROLE": role, "CUTYPE": "INDIVIDUAL", "PARTSTAT": "ACCEPTED"})
    for unit in dict.fromkeys(u for i in items for u in i.units):
        event.add("ATTENDEE", f"urn:x-scheduler:unit:{unit}", parameters={"CN": unit, "ROLE": "REQ-PARTICIPANT", "CUTYPE": "GROUP"})
    return event


def _reception_event(problem: Problem, plan: Plan, reception: Reception, *, now: datetime, sequences: dict[str, int]) -> icalendar.Event:
    uid = reception_uid(reception.id, plan.week)
    event = icalendar.Event()
    event.add("UID", uid)
    event.add("DTSTAMP", now.astimezone(UTC))
    event.add("DTSTART", reception.start.astimezone(problem.tz))
    event.add("DTEND", reception.end.astimezone(problem.tz))
    event.add("SUMMARY", f"【公务接待】{reception.title}")
    if reception.place:
        event.add("LOCATION", reception.place)
    leaders = "、".join(problem.leader_index[x].name for x in problem.by_rank(reception.leaders))
    event.add("DESCRIPTION", "\n".join(filter(None, [
        f"来访单位：{reception.visitor}" if reception.visitor else "",
        f"公函：{reception.letter}" if reception.letter else "",
        f"陪同领导：{leaders}" if leaders else "",
        f"来访人数：{reception.guests}" if reception.guests else "",
    ])))
    event.add("STATUS", "CONFIRMED")
    event.add("SEQUENCE", sequences.get(uid, 0))
    event.add("CATEGORIES", ["公务接待"])
    for leader_id in problem.by_rank(reception.leaders):
        event.add("ATTENDEE", _leader_address(problem, leader_id), parameters={"CN": _leader_cn(problem, leader_id), "ROLE": "REQ-PARTICIPANT", "CUTYPE": "INDIVIDUAL"})
    return event


def _cancelled_event(gone: "FeedEvent", sequence: int, *, tz: ZoneInfo, now: datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("UID", gone.uid)
    event.add("DTSTAMP", now.astimezone(UTC))
    event.add("DTSTART", datetime.fromisoformat(gone.start).astimezone(tz))
    event.add("DTEND", datetime.fromisoformat(gone.end).astimezone(tz))
    event.add("SUMMARY", f"【已取消】{gone.summary.removeprefix('【已取消】')}")
    event.add("STATUS", "CANCELLED")
    event.add("SEQUENCE", sequence)
    return event


@functools.lru_cache(maxsize=8)
def _timezone_ical(key: str) -> bytes:
    """Building a VTIMEZONE from the tz database takes about 0.1 s; a publication renders
    hundreds of feeds of one zone, so it is built once per zone and copied. icalendar's English
    COMMENT ("This timezone only works from 1970-01-01 to 2038-01-01.") is dropped: some
    calendar apps show it, and the zone's rules are what matter."""
    timezone = icalendar.Timezone.from_tzid(key)
    timezone.pop("COMMENT", None)
    return timezone.to_ical()


def _timezone(key: str) -> icalendar.Timezone:
    """The VTIMEZONE every feed carries (also an empty one, which must stay valid)."""
    return icalendar.Timezone.from_ical(_timezone_ical(key))


def calendar_bytes(name: str, tz_key: str, events: list[icalendar.Event]) -> bytes:
    """A feed: METHOD:PUBLISH, a stable NAME and X-WR-CALNAME, REFRESH-INTERVAL and
    X-PUBLISHED-TTL of one hour, the VTIMEZONE, then the events in time order."""
    calendar = icalendar.Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", "PUBLISH")
    calendar.add("NAME", name)
    calendar.add("X-WR-CALNAME", name)
    calendar.add("X-WR-TIMEZONE", tz_key)
    calendar.add("REFRESH-INTERVAL", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", "PT1H")
    calendar.add_component(_timezone(tz_key))
    for event in sorted(events, key=lambda e: (e.decoded("DTSTART"), str(e["UID"]))):
        calendar.add_component(event)
    return calendar.to_ical()


def _calendar(name: str, problem: Problem, events: list[icalendar.Event]) -> bytes:
    return calendar_bytes(name, str(problem.tz.key), events)


ALL_FEED = "all.ics"


def leader_feed(leader_id: str) -> str:
    return f"leaders/{safe_name(leader_id)}.ics"


def room_feed(room_id: str) -> str:
    return f"rooms/{safe_name(room_id)}.ics"


def unit_feed(unit: str) -> str:
    """A unit's feed is named by a stable slug of its name (the name itself is in the calendar)."""
    return f"units/{safe_name(unit)}.ics"


def feed_names(problem: Problem, plan: Plan) -> dict[str, str]:
    """Every feed path of the plan and its calendar's stable name (no date in it: a standing
    subscription keeps its name from week to week)."""
    names = {ALL_FEED: "会议安排（全部）"}
    names |= {leader_feed(x.id): f"{x.name} 会议安排" for x in problem.leaders}
    names |= {room_feed(r.id): f"{r.name} 使用安排" for r in problem.rooms}
    names |= {unit_feed(u): f"{u} 参会安排" for u in sorted({u for s in plan.sittings for u in s.units})}
    return names


def feeds(
    problem: Problem, plan: Plan, *, now: datetime, sequences: dict[str, dict[str, int]] | None = None,
    cancelled: dict[str, list["FeedEvent"]] | None = None, cancelled_names: dict[str, str] | None = None,
) -> dict[str, bytes]:
    """Every feed of the plan: all.ics, leaders/<id>.ics, rooms/<id>.ics, units/<slug>.ics
    (names from the data pass through files.safe_name).

    sequences: per feed, the SEQUENCE of each UID (default 0); cancelled: per feed, events
    dropped since the last publication, added once as STATUS:CANCELLED."""
    assert now.tzinfo is not None
    sequences, cancelled, cancelled_names = sequences or {}, cancelled or {}, cancelled_names or {}
    names = feed_names(problem, plan)
    contents: dict[str, tuple[str, list]] = {}  # path -> (calendar name, [(kind, thing, span, items)])
    contents[ALL_FEED] = (names[ALL_FEED], [("whole", s, None, None) for s in plan.sittings] + [("reception", r, None, None) for r in problem.receptions])
    for leader in problem.leaders:
        entries = []
        for sitting in plan.sittings:
            if leader.id == sitting.chair:
                entries.append(("whole", sitting, None, None))
            else:
                for span in sitting.segments_of(leader.id):
                    items = tuple(i for i in sitting.items if leader.id in i.leaders and span[0] <= i.start < span[1])
                    entries.append(("segment", sitting, span, items))
        entries += [("reception", r, None, None) for r in problem.receptions if leader.id in r.leaders]
        contents[leader_feed(leader.id)] = (names[leader_feed(leader.id)], entries)
    for room in problem.rooms:
        entries = [("whole", s, None, None) for s in plan.sittings if s.room == room.id]
        entries += [("reception", r, None, None) for r in problem.receptions if r.room == room.id]
        contents[room_feed(room.id)] = (names[room_feed(room.id)], entries)
    for unit in sorted({u for s in plan.sittings for u in s.units}):
        entries = []
        for sitting in plan.sittings:
            for span in sitting.unit_segments(unit):
                items = tuple(i for i in sitting.items if unit in i.units and span[0] <= i.start < span[1])
                entries.append(("segment", sitting, span, items))
        contents[unit_feed(unit)] = (names[unit_feed(unit)], entries)
    for path in cancelled:
        contents.setdefault(path, (cancelled_names.get(path, "会议安排"), []))
    out: dict[str, bytes] = {}
    for path, (name, entries) in contents.items():
        seq = sequences.get(path, {})
        events = []
        for kind, thing, span, items in entries:
            if kind == "reception":
                events.append(_reception_event(problem, plan, thing, now=now, sequences=seq))
            else:
                events.append(_event_for(problem, plan, thing, span=span, items=items, now=now, sequences=seq))
        events += [_cancelled_event(gone, seq.get(gone.uid, 1), tz=problem.tz, now=now) for gone in cancelled.get(path, [])]
        out[path] = _calendar(name, problem, events)
    return out


def merge_feeds(bodies: list[bytes]) -> bytes:
    """One feed holding the events of several weeks' feeds of one subscription (oldest first),
    named as the newest one names itself."""
    events: list[icalendar.Event] = []
    name, tz_key = "会议安排", "Asia/Shanghai"
    for body in bodies:
        calendar = icalendar.Calendar.from_ical(body)
        name = str(calendar.get("X-WR-CALNAME", name))
        tz_key = str(calendar.get("X-WR-TIMEZONE", tz_key))
        events += calendar.walk("VEVENT")
    return calendar_bytes(name, tz_key, events)


# --- publication: fingerprints, SEQUENCE, cancellations ---------------------------------------

IGNORED_IN_FINGERPRINT = {"DTSTAMP", "SEQUENCE"}


@dataclass(frozen=True, slots=True)
class FeedEvent:
    feed: str
    uid: str
    fingerprint: str  # of everything a calendar shows: time, room, attendees, text
    status: str
    start: str  # ISO 8601
    end: str
    summary: str


def feed_events(feeds: dict[str, bytes]) -> list[FeedEvent]:
    """Every event of every feed with a fingerprint that ignores DTSTAMP and SEQUENCE."""
    out = []
    for path, body in sorted(feeds.items()):
        for event in icalendar.Calendar.from_ical(body).walk("VEVENT"):
            content = b"\r\n".join(
                line for line in event.to_ical().split(b"\r\n") if line.split(b":")[0].split(b";")[0].decode() not in IGNORED_IN_FINGERPRINT
            )
            out.append(FeedEvent(
                feed=path, uid=str(event["UID"]), fingerprint=hashlib.sha256(content).hexdigest()[:32],
                status=str(event.get("STATUS", "CONFIRMED")), start=event.decoded("DTSTART").isoformat(),
                end=event.decoded("DTEND").isoformat(), summary=str(event.get("SUMMARY", "")),
            ))
    return out
