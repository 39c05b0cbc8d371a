"""What one publication holds: the feeds with SEQUENCE raised for every event that changed
since the last publication of the week, the events dropped since then once as CANCELLED, and
the rows the ledger keeps for the statistics. Pure: the ledger and the CLI do the I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .domain import Plan, Problem, PublishedEvent
from .ics import FeedEvent, feed_events, feeds as render_feeds
from .report import late

ALL_FEED = "all.ics"


@dataclass(frozen=True, slots=True)
class Prepared:
    feeds: dict[str, bytes]
    events: list[PublishedEvent]
    requests: list[dict]
    sittings: list[dict]
    new: int  # per feed copy (a sitting in five feeds counts five times)
    changed: int
    cancelled: int
    new_uids: frozenset[str] = frozenset()  # per event, as staff count them (all.ics holds each once)
    changed_uids: frozenset[str] = frozenset()
    cancelled_uids: frozenset[str] = frozenset()

    @property
    def uids(self) -> frozenset[str]:
        """The events published (sittings and receptions, each once), cancellations excluded."""
        return frozenset(e.uid for e in self.events if e.feed == ALL_FEED and e.status != "CANCELLED")


def prepare(problem: Problem, plan: Plan, *, now: datetime, previous: list[PublishedEvent]) -> Prepared:
    base = render_feeds(problem, plan, now=now)
    current = {(e.feed, e.uid): e for e in feed_events(base)}
    before = {(e.feed, e.uid): e for e in previous}
    sequences: dict[str, dict[str, int]] = {}
    events: list[PublishedEvent] = []
    new = changed = 0
    for (feed, uid), e in sorted(current.items()):
        old = before.get((feed, uid))
        if old is None:
            sequence = 0
            new += 1
        elif old.status == "CANCELLED" or old.fingerprint != e.fingerprint:
            sequence = old.sequence + 1
            changed += 1
        else:
            sequence = old.sequence
        sequences.setdefault(feed, {})[uid] = sequence
        events.append(PublishedEvent(feed=feed, uid=uid, sequence=sequence, fingerprint=e.fingerprint, status=e.status, start=e.start, end=e.end, summary=e.summary))
    gone: dict[str, list[FeedEvent]] = {}
    for (feed, uid), old in sorted(before.items()):
        if (feed, uid) in current or old.status == "CANCELLED":
            continue  # a cancellation is published once
        gone.setdefault(feed, []).append(FeedEvent(feed=feed, uid=uid, fingerprint="", status="CANCELLED", start=old.start, end=old.end, summary=old.summary))
        sequences.setdefault(feed, {})[uid] = old.sequence + 1
        events.append(PublishedEvent(feed=feed, uid=uid, sequence=old.sequence + 1, fingerprint="", status="CANCELLED", start=old.start, end=old.end, summary=old.summary))
    return Prepared(
        feeds=render_feeds(problem, plan, now=now, sequences=sequences, cancelled=gone), events=events, requests=request_rows(problem, plan), sittings=sitting_rows(problem, plan),
        new=new, changed=changed, cancelled=sum(len(v) for v in gone.values()), **_event_counts(current, before),
    )


def _event_counts(current: dict, before: dict) -> dict:
    """New, changed and cancelled events counted once each, in all.ics (which holds every event)."""
    now = {uid for feed, uid in current if feed == ALL_FEED}
    then = {uid for (feed, uid), e in before.items() if feed == ALL_FEED and e.status != "CANCELLED"}
    changed = {uid for uid in now & then if before[(ALL_FEED, uid)].fingerprint != current[(ALL_FEED, uid)].fingerprint}
    return {"new_uids": frozenset(now - then), "changed_uids": frozenset(changed), "cancelled_uids": frozenset(then - now)}


def request_rows(problem: Problem, plan: Plan) -> list[dict]:
    placed = {i.request_id: (s, i) for s in plan.sittings for i in s.items}
    no_meeting = {d.date for d in problem.days if d.no_meeting}
    rows = []
    for r in problem.requests:
        sitting, item = placed.get(r.id, (None, None))
        rows.append({
            "week": problem.week.isoformat(), "id": r.id, "title": r.title, "organiser": r.organiser, "kind": r.kind, "agenda": r.agenda,
            "scheduled": int(item is not None), "combined": int(sitting is not None and len(sitting.items) > 1), "urgent": int(r.urgent),
            "late": int(late(problem, r)), "no_meeting_day": int(item is not None and item.start.date() in no_meeting),
            "minutes_requested": r.minutes, "minutes_planned": item.minutes if item else 0,
            "person_minutes_requested": r.minutes * r.attendees, "person_minutes_planned": item.minutes * item.attendees if item else 0,
            "day": item.start.date().isoformat() if item else None, "attendees": r.attendees,
        })
    return rows


def sitting_rows(problem: Problem, plan: Plan) -> list[dict]:
    index = problem.request_index
    return [
        {
            "week": problem.week.isoformat(), "id": s.id, "day": s.start.date().isoformat(),
            "organisers": "、".join(dict.fromkeys(index[i.request_id].organiser for i in s.items)),
            "kinds": "、".join(dict.fromkeys(index[i.request_id].kind for i in s.items)), "items": len(s.items), "minutes": s.minutes,
        }
        for s in plan.sittings
    ]
