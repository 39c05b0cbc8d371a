"""Publishing a plan: what one publication holds, and the protocol that records it.

`prepare` (pure) gives the feeds with SEQUENCE raised for every event that changed since the
last publication of the week (never lower than any SEQUENCE the UID ever had, cancellations
included), the events dropped since then once as CANCELLED, and the rows the ledger keeps.

`publish_plan` is the protocol, in this order:
1. every hard rule (rules.check) is run on the plan against the current inputs, and with
   `publish_folder` the hard quotas too (control.hard_quota_breaches, against the ledger); a
   violation refuses the publication before anything is written;
2. the ledger's write transaction begins (a concurrent publish waits), the previous
   publication and the SEQUENCE of every UID are read inside it;
3. the week's version folder `<root>/<week>/vNNNN/` and the rolling feeds' folder
   `<root>/feeds/vNNNN/` are written and synced (NNNN never reuses an existing folder);
4. the ledger commits;
5. `<root>/<week>/current`, then `<root>/feeds/current` switch.
A failure before 4 leaves the ledger and what is served as they were; a failure after 4 is
repaired by the next publish (`sync`).

Rolling feeds: every subscription feed holds the latest publication of every week from
WINDOW_WEEKS_BACK weeks before the publication's week of `now` on (and every later week), so
publishing next week never removes this week. A feed above FEED_LIMIT_BYTES drops its oldest
weeks (never the week being published) until it fits; one week of a leader's feed is a few
tens of kilobytes, so the window stays far below the limit in practice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable

from .control import QUOTA_RULE
from .domain import Plan, Problem, PublishedEvent
from .errors import SchedulerError
from .files import current_version, point_current, taken_numbers, write_version
from .intake import where_from  # noqa: F401  (the CLI names a publication's added rows with it)
from .ics import FeedEvent, feed_events, feeds as render_feeds, merge_feeds
from .ledger import Ledger
from .outputs import render
from .report import late
from .rules import RULES, Violation, check

WINDOW_WEEKS_BACK = 8
FEED_LIMIT_BYTES = 1_000_000
ROLLING = "rolling/"  # the ledger keeps a publication's rolling feeds under this prefix
QUOTA_TITLE = "总量控制（只减不增）硬性上限：week.toml 的 [quota] 为 hard = true"


class PublishRefused(SchedulerError):
    """The plan breaks a hard rule against the current inputs; nothing was published."""

    def __init__(self, violations):
        self.violations = tuple(violations)
        super().__init__(self.summary())

    def summary(self) -> str:
        return f"方案有 {len(self.violations)} 处违反硬性规则，未发布（台账和已发布的订阅均未改动）"

    def lines(self) -> list[str]:
        return [f"[{v.rule}] {RULES[v.rule].title if v.rule in RULES else QUOTA_TITLE if v.rule == QUOTA_RULE else ''}：{v.message}" for v in self.violations]


class PublishFailed(SchedulerError):
    """The publication could not be written (a full or read-only disk); nothing changed."""


@dataclass(frozen=True, slots=True)
class Published:
    number: int
    week: date
    link: Path
    events: int  # events (sittings and receptions), each counted once whatever its feeds
    new: int
    changed: int
    cancelled: int
    feeds: int
    weeks: tuple[str, ...]  # the weeks the rolling feeds hold
    added: tuple[dict, ...] = ()  # the ledger's source rows of requests a what-if added (see source_rows)

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


def prepare(
    problem: Problem, plan: Plan, *, now: datetime, previous: list[PublishedEvent], highest: dict[tuple[str, str], int] | None = None,
) -> Prepared:
    """highest: (feed, UID) -> the highest SEQUENCE ever published for the week (default: the
    previous publication's)."""
    base = render_feeds(problem, plan, now=now)
    current = {(e.feed, e.uid): e for e in feed_events(base)}
    before = {(e.feed, e.uid): e for e in previous}
    top = {key: e.sequence for key, e in before.items()} | (highest or {})
    sequences: dict[str, dict[str, int]] = {}
    events: list[PublishedEvent] = []
    new = changed = 0
    for (feed, uid), e in sorted(current.items()):
        old = before.get((feed, uid))
        ever = top.get((feed, uid))
        if ever is None:
            sequence = 0
            new += 1
        elif old is None or old.status == "CANCELLED" or old.fingerprint != e.fingerprint:
            sequence = ever + 1
            changed += 1
        else:
            sequence = max(old.sequence, ever)
        sequences.setdefault(feed, {})[uid] = sequence
        events.append(PublishedEvent(feed=feed, uid=uid, sequence=sequence, fingerprint=e.fingerprint, status=e.status, start=e.start, end=e.end, summary=e.summary))
    gone: dict[str, list[FeedEvent]] = {}
    for (feed, uid), old in sorted(before.items()):
        if (feed, uid) in current or old.status == "CANCELLED":
            continue  # a cancellation is published once
        gone.setdefault(feed, []).append(FeedEvent(feed=feed, uid=uid, fingerprint="", status="CANCELLED", start=old.start, end=old.end, summary=old.summary))
        sequence = max(old.sequence, top.get((feed, uid), 0)) + 1
        sequences.setdefault(feed, {})[uid] = sequence
        events.append(PublishedEvent(feed=feed, uid=uid, sequence=sequence, fingerprint="", status="CANCELLED", start=old.start, end=old.end, summary=old.summary))
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


def source_rows(problem: Problem) -> list[dict]:
    """Where each request of the week came from, as the ledger keeps it (requests without a
    known input row, e.g. generated ones, have none)."""
    return [
        {"id": r.id, "source": o.source, "sheet": o.sheet, "row": o.row, "cells": o.cells, "added": o.added}
        for r in problem.requests if (o := r.origin) is not None
    ]


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


# --- the publishing protocol ---------------------------------------------------------------------


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def window_start(now: datetime) -> date:
    """The first week the rolling feeds hold: WINDOW_WEEKS_BACK weeks before the week of `now`."""
    return _monday(now.date()) - timedelta(weeks=WINDOW_WEEKS_BACK)


def _week_feeds(files: dict[str, bytes]) -> dict[str, bytes]:
    return {path: body for path, body in files.items() if path.endswith(".ics") and not path.startswith(ROLLING)}


def rolling_feeds(weeks: dict[str, dict[str, bytes]], keep: str) -> dict[str, bytes]:
    """Per subscription feed, the events of every week in `weeks` (week -> that week's feeds as
    last published); a feed above FEED_LIMIT_BYTES drops its oldest weeks, never `keep`."""
    out: dict[str, bytes] = {}
    for path in sorted({p for files in weeks.values() for p in files}):
        order = [w for w in sorted(weeks) if path in weeks[w]]
        body = merge_feeds([weeks[w][path] for w in order])
        while len(body) > FEED_LIMIT_BYTES and len(order) > 1 and order[0] != keep:
            order = order[1:]
            body = merge_feeds([weeks[w][path] for w in order])
        out[path] = body
    return out


def sync(ledger: Ledger, root: Path) -> None:
    """Make every week's `current` (and the rolling feeds' `current`) show its latest recorded
    publication: repairs a publication stopped between the ledger's COMMIT and the switch."""
    latest = ledger.latest_per_week()
    for publication in latest:
        week = date.fromisoformat(publication.week)
        if current_version(root, week) != publication.id:
            files = ledger.feeds(publication.id)
            write_version(root, week, publication.id, {p: b for p, b in files.items() if not p.startswith(ROLLING)})
            point_current(root, week, publication.id)
    newest = ledger.latest_id()
    if newest is not None and current_version(root, None) != newest:
        rolling = {p.removeprefix(ROLLING): b for p, b in ledger.feeds(newest).items() if p.startswith(ROLLING)}
        if rolling:
            write_version(root, None, newest, rolling)
            point_current(root, None, newest)


def publish_plan(
    problem: Problem, plan: Plan, *, ledger: Ledger, root: Path, now: datetime, input: str = "",
    extra_json: dict | None = None, checkpoint: Callable[[str], None] = lambda _: None,
    mark_rows: Callable[[list[dict]], list[dict]] = lambda rows: rows,
) -> Published:
    """Publish a plan (see the module's docstring for the order of effects); mark_rows adds to
    the ledger's request rows (e.g. 计划内/计划外)."""
    violations = check(problem, plan)
    if violations:
        raise PublishRefused(violations)
    sync(ledger, root)
    ledger.begin()
    try:
        before = ledger.latest(problem.week)
        prepared = prepare(problem, plan, now=now, previous=ledger.events(before.id) if before else [], highest=ledger.max_sequences(problem.week))
        files = render(problem, plan, now, input=input, feeds=prepared.feeds, workbook=False, extra_json=extra_json)
        week = problem.week.isoformat()
        weeks = {p.week: _week_feeds(ledger.feeds(p.id)) for p in ledger.latest_per_week(window_start(now)) if p.week != week}
        weeks[week] = prepared.feeds
        rolling = rolling_feeds(weeks, keep=week)
        number = ledger.next_id(taken_numbers(root))
        sources = source_rows(problem)
        ledger.insert(
            week=problem.week, published_at=now, input=input, plan_json=files["plan.json"].decode("utf-8"),
            feeds=files | {ROLLING + path: body for path, body in rolling.items()}, events=prepared.events,
            requests=mark_rows(prepared.requests), sittings=prepared.sittings, sources=sources, number=number, checkpoint=checkpoint,
        )
        write_version(root, problem.week, number, files, checkpoint=checkpoint)
        write_version(root, None, number, rolling)
        checkpoint("before-commit")
        ledger.commit()
    except OSError as exc:
        ledger.rollback()
        raise PublishFailed(f"无法写入发布目录 {root}（{exc.strerror or exc}）；未发布，台账和正在提供的订阅均未改动") from None
    except BaseException:
        ledger.rollback()
        raise
    checkpoint("after-commit")
    checkpoint("before-switch")
    link = point_current(root, problem.week, number)
    checkpoint("between-switches")
    point_current(root, None, number)
    return Published(
        number=number, week=problem.week, link=link, events=len(prepared.uids), new=len(prepared.new_uids), changed=len(prepared.changed_uids),
        cancelled=len(prepared.cancelled_uids), feeds=len(prepared.feeds), weeks=tuple(sorted(weeks)),
        added=tuple(x for x in sources if x["added"]),
    )


def publish_folder(
    plan_path: Path, *, input_dir: Path | None, default_input: Path, ledger_path: Path, root: Path, now: datetime,
    checkpoint: Callable[[str], None] = lambda _: None,
) -> Published:
    """`scheduler publish`: read plan.json (a plan or a what-if variant), re-read the week's
    current inputs with the variant's drops, additions, fixed times and settings (never its
    hypothetical absences), and publish."""
    from . import control
    from .outputs import load_plan_document
    from .whatif import Variant, read_plan

    data = load_plan_document(plan_path)
    folder, problem, plan = read_plan(data, input_dir, default_input=default_input, hypothetical=False)
    variant = Variant.from_json(data.get("variant"))
    extra = {"variant": Variant(add=variant.add, drop=variant.drop, fix=variant.fix, set=variant.set).to_json()} if variant else None
    year = control.review(problem, ledger_path)
    plan = control.with_annual(plan, year)  # 计划内 / 计划外 against the ledger's annual plan as it is now
    # before the ledger is opened: a refused publish creates no file
    violations = [*check(problem, plan), *(Violation(QUOTA_RULE, b.message) for b in control.hard_quota_breaches(problem, plan, year))]
    if violations:
        raise PublishRefused(violations)
    made = _missing(Path(ledger_path))
    try:
        with Ledger(ledger_path) as ledger:
            return publish_plan(
                problem, plan, ledger=ledger, root=root, now=now, input=str(folder), extra_json=extra, checkpoint=checkpoint,
                mark_rows=lambda rows: control.mark_rows(rows, year),
            )
    except BaseException:
        _remove_if_unused(made)
        raise


def _missing(path: Path) -> list[Path]:
    """`path` and its parent folders that do not exist yet, deepest first."""
    return [p for p in (path, *path.parents) if not p.exists()]


def _remove_if_unused(made: list[Path]) -> None:
    """After a failed publish: remove the ledger (and its folders) this command created, unless
    it holds a publication (one that failed after the ledger's COMMIT is kept for `sync`)."""
    if not made or not made[0].is_file():
        return
    try:
        with Ledger(made[0], create=False) as ledger:
            if ledger.latest_id() is not None:
                return
    except SchedulerError:
        pass  # not a whole ledger: nothing in it to keep
    for path in (made[0], *(Path(f"{made[0]}{suffix}") for suffix in ("-wal", "-shm", "-journal"))):
        path.unlink(missing_ok=True)
    for folder in made[1:]:
        try:
            folder.rmdir()  # only while empty
        except OSError:
            return
