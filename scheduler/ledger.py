"""The ledger (台账): an SQLite file of every publication — the plan, every feed as published,
every event's UID, SEQUENCE and fingerprint, and one row per request and sitting for the
statistics. The only module that uses sqlite3.

The schema is created and migrated by numbered migrations (the `migrations` table records
which ran). One publication is one transaction: a process killed before COMMIT leaves the
previous state as it was.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable

from .domain import PublishedEvent
from .errors import SchedulerError


class LedgerError(SchedulerError):
    """The ledger file cannot be opened or holds no publication that was asked for."""


def _script(db: sqlite3.Connection, sql: str) -> None:
    """Run statements one by one (executescript would COMMIT the migration's transaction)."""
    for statement in sql.split(";"):
        if statement.strip():
            db.execute(statement)


def _m1_publications(db: sqlite3.Connection) -> None:
    _script(db, """
        CREATE TABLE publications (
            id INTEGER PRIMARY KEY,
            week TEXT NOT NULL,
            published_at TEXT NOT NULL,
            input TEXT NOT NULL,
            plan_json TEXT NOT NULL
        );
        CREATE INDEX publications_week ON publications (week, id);
        CREATE TABLE feeds (
            publication_id INTEGER NOT NULL REFERENCES publications (id),
            path TEXT NOT NULL,
            body BLOB NOT NULL,
            PRIMARY KEY (publication_id, path)
        );
        CREATE TABLE events (
            publication_id INTEGER NOT NULL REFERENCES publications (id),
            feed TEXT NOT NULL,
            uid TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            fingerprint TEXT NOT NULL,
            status TEXT NOT NULL,
            start TEXT NOT NULL,
            end TEXT NOT NULL,
            summary TEXT NOT NULL,
            PRIMARY KEY (publication_id, feed, uid)
        );
    """)


def _m2_statistics(db: sqlite3.Connection) -> None:
    _script(db, """
        CREATE TABLE requests (
            publication_id INTEGER NOT NULL REFERENCES publications (id),
            week TEXT NOT NULL,
            id TEXT NOT NULL,
            title TEXT NOT NULL,
            organiser TEXT NOT NULL,
            kind TEXT NOT NULL,
            agenda TEXT NOT NULL,
            scheduled INTEGER NOT NULL,
            combined INTEGER NOT NULL,
            urgent INTEGER NOT NULL,
            late INTEGER NOT NULL,
            no_meeting_day INTEGER NOT NULL,
            minutes_requested INTEGER NOT NULL,
            minutes_planned INTEGER NOT NULL,
            person_minutes_requested INTEGER NOT NULL,
            person_minutes_planned INTEGER NOT NULL,
            day TEXT,
            PRIMARY KEY (publication_id, id)
        );
        CREATE TABLE sittings (
            publication_id INTEGER NOT NULL REFERENCES publications (id),
            week TEXT NOT NULL,
            id TEXT NOT NULL,
            day TEXT NOT NULL,
            organisers TEXT NOT NULL,
            kinds TEXT NOT NULL,
            items INTEGER NOT NULL,
            minutes INTEGER NOT NULL,
            PRIMARY KEY (publication_id, id)
        );
    """)


def _m3_tokens(db: sqlite3.Connection) -> None:
    _script(db, """
        CREATE TABLE tokens (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            feed TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            revoked_at TEXT
        );
        CREATE INDEX tokens_name ON tokens (name)
    """)


def _m4_annual_plans(db: sqlite3.Connection) -> None:
    """年度会议计划 as imported (every import kept; the latest of a year counts), and what the
    quotas and the 计划内/计划外 statistics need of each published request."""
    _script(db, """
        CREATE TABLE annual_plans (
            id INTEGER PRIMARY KEY,
            year INTEGER NOT NULL,
            imported_at TEXT NOT NULL,
            source TEXT NOT NULL
        );
        CREATE INDEX annual_plans_year ON annual_plans (year, id);
        CREATE TABLE annual_plan_items (
            plan_id INTEGER NOT NULL REFERENCES annual_plans (id),
            id TEXT NOT NULL,
            row INTEGER NOT NULL,
            unit TEXT NOT NULL,
            title TEXT NOT NULL,
            kind TEXT NOT NULL,
            attendees INTEGER,
            quarter INTEGER,
            month INTEGER,
            citywide INTEGER NOT NULL,
            times INTEGER NOT NULL,
            note TEXT NOT NULL,
            PRIMARY KEY (plan_id, id)
        );
        ALTER TABLE requests ADD COLUMN attendees INTEGER;
        ALTER TABLE requests ADD COLUMN annual TEXT
    """)


def _m5_request_classes(db: sqlite3.Connection) -> None:
    """Whether a published request is a 全市性会议 (for the quotas of later years)."""
    db.execute("ALTER TABLE requests ADD COLUMN citywide INTEGER")


def _m6_request_sources(db: sqlite3.Connection) -> None:
    """Where each published request came from: file, sheet, row and the whole input row as read
    (JSON list of [header, text]); added = 1 for a request a what-if variant brought in with
    `whatif --add`. Publications recorded before this migration have no rows here."""
    _script(db, """
        CREATE TABLE request_sources (
            publication_id INTEGER NOT NULL REFERENCES publications (id),
            id TEXT NOT NULL,
            source TEXT NOT NULL,
            sheet TEXT,
            row INTEGER NOT NULL,
            cells TEXT NOT NULL,
            added INTEGER NOT NULL,
            PRIMARY KEY (publication_id, id)
        )
    """)


MIGRATIONS: tuple[tuple[str, Callable[[sqlite3.Connection], None]], ...] = (
    ("0001_publications", _m1_publications),
    ("0002_statistics", _m2_statistics),
    ("0003_tokens", _m3_tokens),
    ("0004_annual_plans", _m4_annual_plans),
    ("0005_request_classes", _m5_request_classes),
    ("0006_request_sources", _m6_request_sources),
)


@dataclass(frozen=True, slots=True)
class Token:
    id: int
    name: str
    kind: str  # leader / unit / room / staff
    feed: str  # the published file it opens, e.g. leaders/L01.ics
    token_hash: str
    created_at: str
    revoked_at: str | None


@dataclass(frozen=True, slots=True)
class Publication:
    id: int
    week: str
    published_at: str
    input: str
    plan_json: str


SQLITE_HEADER = b"SQLite format 3\x00"


class Ledger:
    def __init__(self, path: Path, *, shared: bool = False, create: bool = True):
        """shared: one connection used from the server's threads in turn; create: False for
        readers (stats, serve), which refuse a missing, empty or foreign file instead of
        writing a schema into it."""
        self.path = Path(path)
        if not create:
            self._refuse_unreadable()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=not shared)  # transactions are explicit
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._refuse_unknown_version()
            if create:
                self.migrate()
            else:
                self._refuse_incomplete()
            self.identity = self._identity()
        except sqlite3.DatabaseError as exc:
            raise LedgerError(f"台账 {self.path} 已损坏或不是本程序的台账（{exc}），请从备份恢复") from None
        except OSError as exc:
            raise LedgerError(f"无法打开台账 {self.path}（{exc}）") from None

    def _refuse_unreadable(self) -> None:
        try:
            with open(self.path, "rb") as handle:
                head = handle.read(len(SQLITE_HEADER))
        except FileNotFoundError:
            raise LedgerError(f"台账 {self.path} 不存在；先用 scheduler publish 发布一周的安排") from None
        except OSError as exc:
            raise LedgerError(f"无法读取台账 {self.path}（{exc}）") from None
        if head != SQLITE_HEADER:
            what = "是空文件" if not head else "不是 SQLite 台账文件"
            raise LedgerError(f"台账 {self.path} {what}，未作任何改动；请检查 --ledger 指向的文件或从备份恢复")

    def _refuse_unknown_version(self) -> None:
        """A ledger written by a newer version (a migration this version does not know) is refused."""
        self.db.execute("PRAGMA schema_version").fetchone()  # reads the header: a corrupted file fails here
        has = self.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'").fetchone()
        if not has:
            return
        known = {name for name, _ in MIGRATIONS}
        unknown = sorted(row[0] for row in self.db.execute("SELECT name FROM migrations") if row[0] not in known)
        if unknown:
            raise LedgerError(f"台账 {self.path} 由更新版本的程序写入（迁移 {'、'.join(unknown)} 本版本不认识），请升级 scheduler 后再用")

    def _refuse_incomplete(self) -> None:
        has = self.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'").fetchone()
        done = {row[0] for row in self.db.execute("SELECT name FROM migrations")} if has else set()
        if not done:
            raise LedgerError(f"台账 {self.path} 不是本程序的台账（没有迁移记录），未作任何改动")
        if done != {name for name, _ in MIGRATIONS}:
            self.migrate()  # an older ledger of ours: bring it up to date
        self.db.execute("PRAGMA quick_check").fetchone()

    def _identity(self) -> tuple:
        """What tells this file from a file that replaced it (the server re-opens on change)."""
        try:
            st = self.path.stat()
        except OSError:
            return ()
        return (st.st_dev, st.st_ino)

    def replaced(self) -> bool:
        """True when the file at `path` is no longer the one this connection has open."""
        return self._identity() != self.identity

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def migrate(self) -> list[str]:
        """Apply the migrations not applied yet, each in its own transaction; returns their names."""
        self.db.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        done = {row[0] for row in self.db.execute("SELECT name FROM migrations")}
        applied = []
        for name, step in MIGRATIONS:
            if name in done:
                continue
            self.db.execute("BEGIN IMMEDIATE")
            try:
                step(self.db)
                self.db.execute("INSERT INTO migrations VALUES (?, datetime('now'))", (name,))
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            applied.append(name)
        return applied

    def migrations(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT name FROM migrations ORDER BY name")]

    # --- reading ------------------------------------------------------------------------------

    def latest(self, week: date | None = None) -> Publication | None:
        sql = "SELECT id, week, published_at, input, plan_json FROM publications"
        args: tuple = ()
        if week is not None:
            sql += " WHERE week = ?"
            args = (week.isoformat(),)
        row = self.db.execute(sql + " ORDER BY id DESC LIMIT 1", args).fetchone()
        return Publication(*row) if row else None

    def events(self, publication_id: int) -> list[PublishedEvent]:
        rows = self.db.execute(
            "SELECT feed, uid, sequence, fingerprint, status, start, end, summary FROM events WHERE publication_id = ? ORDER BY feed, uid",
            (publication_id,),
        )
        names = ("feed", "uid", "sequence", "fingerprint", "status", "start", "end", "summary")
        return [PublishedEvent(**dict(zip(names, row))) for row in rows]

    def feeds(self, publication_id: int) -> dict[str, bytes]:
        rows = self.db.execute("SELECT path, body FROM feeds WHERE publication_id = ? ORDER BY path", (publication_id,))
        return {path: bytes(body) for path, body in rows}

    def publications(self) -> list[Publication]:
        rows = self.db.execute("SELECT id, week, published_at, input, plan_json FROM publications ORDER BY id")
        return [Publication(*row) for row in rows]

    def request_rows(self, start: date, end: date) -> list[dict]:
        """The request rows of the latest publication of every week in [start, end)."""
        return self._rows("requests", start, end)

    def sitting_rows(self, start: date, end: date) -> list[dict]:
        return self._rows("sittings", start, end)

    def _rows(self, table: str, start: date, end: date) -> list[dict]:
        cursor = self.db.execute(
            f"""SELECT t.* FROM {table} t
                JOIN (SELECT week, MAX(id) AS id FROM publications GROUP BY week) latest ON latest.id = t.publication_id
                WHERE t.week >= ? AND t.week < ? ORDER BY t.week, t.id""",
            (start.isoformat(), end.isoformat()),
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor]

    def request_sources(self, publication_id: int) -> list[dict]:
        """Where each request of a publication came from (file, sheet, row, the row's cells as
        [(header, text)], added by a what-if); [] for a publication recorded before 0006."""
        rows = self.db.execute(
            "SELECT id, source, sheet, row, cells, added FROM request_sources WHERE publication_id = ? ORDER BY added, source, sheet, row, id",
            (publication_id,),
        )
        return [
            {"id": rid, "source": source, "sheet": sheet, "row": row, "cells": [tuple(c) for c in json.loads(cells)], "added": bool(added)}
            for rid, source, sheet, row, cells, added in rows
        ]

    def earlier_requests(self, before: date, since: date) -> list[dict]:
        """Requests held in the latest publication of each week in [since, before)."""
        return [r for r in self.request_rows(since, before) if r["scheduled"]]

    def max_sequences(self, week: date) -> dict[tuple[str, str], int]:
        """(feed, UID) -> the highest SEQUENCE ever published for the week (cancellations
        included), so that a SEQUENCE never goes down."""
        rows = self.db.execute(
            """SELECT e.feed, e.uid, MAX(e.sequence) FROM events e JOIN publications p ON p.id = e.publication_id
               WHERE p.week = ? GROUP BY e.feed, e.uid""",
            (week.isoformat(),),
        )
        return {(feed, uid): sequence for feed, uid, sequence in rows}

    def latest_per_week(self, since: date | None = None) -> list[Publication]:
        """The latest publication of every week (from `since` on), oldest week first."""
        rows = self.db.execute(
            """SELECT p.id, p.week, p.published_at, p.input, p.plan_json FROM publications p
               JOIN (SELECT week, MAX(id) AS id FROM publications GROUP BY week) latest ON latest.id = p.id
               WHERE p.week >= ? ORDER BY p.week""",
            ((since or date.min).isoformat(),),
        )
        return [Publication(*row) for row in rows]

    def previous(self, publication: Publication) -> Publication | None:
        """The publication of the same week before this one."""
        row = self.db.execute(
            "SELECT id, week, published_at, input, plan_json FROM publications WHERE week = ? AND id < ? ORDER BY id DESC LIMIT 1",
            (publication.week, publication.id),
        ).fetchone()
        return Publication(*row) if row else None

    def publication(self, publication_id: int) -> Publication | None:
        row = self.db.execute("SELECT id, week, published_at, input, plan_json FROM publications WHERE id = ?", (publication_id,)).fetchone()
        return Publication(*row) if row else None

    def latest_id(self) -> int | None:
        row = self.db.execute("SELECT MAX(id) FROM publications").fetchone()
        return row[0]

    def feed(self, publication_id: int, path: str) -> bytes | None:
        row = self.db.execute("SELECT body FROM feeds WHERE publication_id = ? AND path = ?", (publication_id, path)).fetchone()
        return bytes(row[0]) if row else None

    def published_at(self, publication_id: int) -> str:
        return self.db.execute("SELECT published_at FROM publications WHERE id = ?", (publication_id,)).fetchone()[0]

    def held_rows(self, start: date, end: date) -> list[dict]:
        """Requests held on a day in [start, end), from the latest publication of each week."""
        rows = self._rows("requests", start - timedelta(days=6), end)
        return [r for r in rows if r["scheduled"] and r["day"] and start.isoformat() <= r["day"] < end.isoformat()]

    def published_weeks(self, start: date, end: date) -> list[date]:
        """The Mondays of the weeks published in [start, end)."""
        rows = self.db.execute("SELECT DISTINCT week FROM publications WHERE week >= ? AND week < ? ORDER BY week", (start.isoformat(), end.isoformat()))
        return [date.fromisoformat(row[0]) for row in rows]

    # --- annual plans (年度会议计划) -------------------------------------------------------------

    def record_annual_plan(self, *, year: int, imported_at: datetime, source: str, items: list[dict]) -> int:
        """Record one import of a year's plan in one transaction; returns its id."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            pid = self.db.execute(
                "INSERT INTO annual_plans (year, imported_at, source) VALUES (?, ?, ?)", (year, imported_at.isoformat(), source)
            ).lastrowid
            names = ("id", "row", "unit", "title", "kind", "attendees", "quarter", "month", "citywide", "times", "note")
            self.db.executemany(
                f"INSERT INTO annual_plan_items (plan_id, {', '.join(names)}) VALUES (?, {', '.join('?' for _ in names)})",
                [(pid, *(item[n] for n in names)) for item in items],
            )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return pid

    def annual_plan(self, year: int) -> list[dict]:
        """The items of the latest import of a year's plan ([] when none was imported)."""
        cursor = self.db.execute(
            """SELECT i.* FROM annual_plan_items i
               WHERE i.plan_id = (SELECT MAX(id) FROM annual_plans WHERE year = ?) ORDER BY i.row""",
            (year,),
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor]

    # --- tokens -------------------------------------------------------------------------------

    def add_token(self, *, name: str, kind: str, feed: str, token_hash: str, now: datetime) -> None:
        self.db.execute(
            "INSERT INTO tokens (name, kind, feed, token_hash, created_at) VALUES (?, ?, ?, ?, ?)",
            (name, kind, feed, token_hash, now.isoformat()),
        )

    def tokens(self) -> list[Token]:
        rows = self.db.execute("SELECT id, name, kind, feed, token_hash, created_at, revoked_at FROM tokens ORDER BY id")
        return [Token(*row) for row in rows]

    def token_by_hash(self, token_hash: str) -> Token | None:
        row = self.db.execute(
            "SELECT id, name, kind, feed, token_hash, created_at, revoked_at FROM tokens WHERE token_hash = ? AND revoked_at IS NULL",
            (token_hash,),
        ).fetchone()
        return Token(*row) if row else None

    def revoke(self, name: str, now: datetime) -> int:
        cursor = self.db.execute("UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", (now.isoformat(), name))
        return cursor.rowcount

    # --- writing ------------------------------------------------------------------------------

    def begin(self) -> None:
        """Start the write transaction (taking the write lock at once: a concurrent publish
        waits here, and then reads what the first one committed)."""
        self.db.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.db.execute("COMMIT")

    def rollback(self) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")

    def next_id(self, taken: set[int] = frozenset()) -> int:
        """The next publication id, above every id recorded and every number in `taken`."""
        return max([self.latest_id() or 0, *taken]) + 1

    def record(
        self, *, week: date, published_at: datetime, input: str, plan_json: str, feeds: dict[str, bytes],
        events: list[PublishedEvent], requests: list[dict], sittings: list[dict], sources: list[dict] = (),
        checkpoint: Callable[[str], None] = lambda _: None,
    ) -> int:
        """Record one publication in one transaction; returns its id."""
        self.begin()
        try:
            pid = self.insert(
                week=week, published_at=published_at, input=input, plan_json=plan_json, feeds=feeds,
                events=events, requests=requests, sittings=sittings, sources=sources, checkpoint=checkpoint,
            )
            checkpoint("before-commit")
            self.commit()
        except BaseException:
            self.rollback()
            raise
        return pid

    def insert(
        self, *, week: date, published_at: datetime, input: str, plan_json: str, feeds: dict[str, bytes],
        events: list[PublishedEvent], requests: list[dict], sittings: list[dict], sources: list[dict] = (),
        number: int | None = None, checkpoint: Callable[[str], None] = lambda _: None,
    ) -> int:
        """Insert one publication inside the caller's transaction (begin ... commit); returns its id.
        sources: per request {id, source, sheet, row, cells: [(header, text)], added}."""
        cursor = self.db.execute(
            "INSERT INTO publications (id, week, published_at, input, plan_json) VALUES (?, ?, ?, ?, ?)",
            (number, week.isoformat(), published_at.isoformat(), input, plan_json),
        )
        pid = cursor.lastrowid
        self.db.executemany("INSERT INTO feeds VALUES (?, ?, ?)", [(pid, path, body) for path, body in sorted(feeds.items())])
        checkpoint("ledger-feeds-written")
        self.db.executemany(
            "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(pid, e.feed, e.uid, e.sequence, e.fingerprint, e.status, e.start, e.end, e.summary) for e in events],
        )
        for table, rows in (("requests", requests), ("sittings", sittings)):
            if rows:
                names = list(rows[0])
                self.db.executemany(
                    f"INSERT INTO {table} (publication_id, {', '.join(names)}) VALUES (?, {', '.join('?' for _ in names)})",
                    [(pid, *(row[n] for n in names)) for row in rows],
                )
        if sources:
            self.db.executemany(
                "INSERT INTO request_sources (publication_id, id, source, sheet, row, cells, added) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(pid, x["id"], x["source"], x["sheet"], x["row"], json.dumps([list(c) for c in x["cells"]], ensure_ascii=False), int(x["added"])) for x in sources],
            )
        return pid

