"""The feeds and the week page over HTTP (Starlette under uvicorn), read-only.

Every URL carries a secret token: /feeds/<token>.ics is the subscriber's feed from the latest
publication, /week/<token> the published report.html (staff tokens). Tokens are stored hashed
(SHA-256) in the ledger; what a token opens is decided by its ledger row, never by the URL, so
no request can reach a file of its choosing. An unknown, revoked or malformed token gets the
same plain 404. Responses carry ETag and Last-Modified, answer revalidation with 304, support
HEAD, and are never compressed (Outlook's subscriptions break on gzip).

Feeds are the rolling feeds of the latest publication (every published week of the window).
Last-Modified is the time the publication was recorded, never earlier than any publication
before it (so a publication stamped earlier still counts as newer); If-None-Match compares
ETags weakly; an unreadable If-Modified-Since counts as absent. HTML carries nosniff, a strict
CSP and no-referrer; every response is `Cache-Control: private, no-cache`. A ledger file
replaced on disk (restored from a backup) is re-opened on the next request.

The week page (staff): `/week/<token>?week=YYYY-MM-DD` chooses the week; a bar on top names the
publication, links the published weeks and lists what changed since the week's previous
publication."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import html
import json
import re
import secrets
import threading
from datetime import date, datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from .ics import unit_feed
from .ledger import Ledger
from .publish import ROLLING

TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
NOT_FOUND = PlainTextResponse("Not Found\n", status_code=404)


def new_token() -> str:
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


class Feeds:
    """The latest publication's files by path, read from the ledger and cached per publication.
    The ledger is re-opened when its file was replaced."""

    def __init__(self, ledger_path: Path):
        self.path = ledger_path
        self.lock = threading.Lock()
        self.ledger = Ledger(ledger_path, shared=True, create=False)
        self.cache: dict[tuple, tuple[bytes, str, str] | None] = {}

    def current(self) -> Ledger:
        with self.lock:
            if self.ledger.replaced():
                try:
                    fresh = Ledger(self.path, shared=True, create=False)
                except Exception:
                    return self.ledger  # keep serving what we have until the new file is readable
                self.ledger.close()
                self.ledger, self.cache = fresh, {}
            return self.ledger

    def close(self) -> None:
        self.ledger.close()

    def _modified(self, ledger: Ledger, publication: int) -> str:
        """The latest recording time of this publication and every one before it, in GMT."""
        moments = []
        for p in ledger.publications():
            if p.id <= publication:
                with contextlib.suppress(ValueError):
                    moment = datetime.fromisoformat(p.published_at)
                    moments.append(moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc))
        return format_datetime(max(moments).astimezone(timezone.utc), usegmt=True)

    def _entry(self, ledger: Ledger, publication: int, body: bytes | None, extra: str = "") -> tuple[bytes, str, str] | None:
        if body is None:
            return None
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        return body, etag, self._modified(ledger, publication)

    def get(self, path: str) -> tuple[bytes, str, str] | None:
        ledger = self.current()
        publication = ledger.latest_id()
        if publication is None:
            return None
        key = (publication, path)
        if key not in self.cache:
            body = ledger.feed(publication, ROLLING + path) if path.endswith(".ics") else None
            if body is None:  # a publication recorded before rolling feeds
                body = ledger.feed(publication, path)
            self._remember(key, self._entry(ledger, publication, body), publication)
        return self.cache[key]

    def week_page(self, week: str | None) -> tuple[bytes, str, str] | None:
        """The week page of the latest publication of `week` (default: the latest publication),
        with the bar that chooses the week and says what changed."""
        ledger = self.current()
        latest = ledger.latest_id()
        if latest is None:
            return None
        try:
            chosen = ledger.latest(date.fromisoformat(week)) if week else ledger.publication(latest)
        except ValueError:
            return None
        if chosen is None:
            return None
        key = (latest, "week", chosen.id)
        if key not in self.cache:
            page = ledger.feed(chosen.id, "report.html")
            if page is not None:
                page = _with_bar(page, ledger, chosen)
            self._remember(key, self._entry(ledger, latest, page), latest)
        return self.cache[key]

    def _remember(self, key, value, publication: int) -> None:
        self.cache[key] = value
        for old in [k for k in self.cache if k[0] != publication]:
            del self.cache[old]


def _with_bar(page: bytes, ledger: Ledger, chosen) -> bytes:
    """report.html with a bar on top: the publication, links to every published week, and what
    changed since the week's previous publication."""
    from .whatif import Variant, diff, fixed_reasons, no_meeting_reasons

    weeks = [p.week for p in ledger.latest_per_week()]
    current = ' aria-current="page"'
    links = " ".join(f'<a href="?week={html.escape(w)}"{current if w == chosen.week else ""}>{html.escape(w)}</a>' for w in weeks)
    previous = ledger.previous(chosen)
    if previous is None:
        changed = "<p>本周首次发布。</p>"
    else:
        try:
            after = json.loads(chosen.plan_json)
            before = json.loads(previous.plan_json)
            changes = diff(before, after, no_meeting_reasons(before, after) | fixed_reasons(Variant.from_json(after.get("variant"))))
        except Exception:  # an old or hand-made plan.json: say nothing rather than fail
            changes = None
        if changes is None:
            changed = ""
        elif not changes:
            changed = f"<p>与第 {previous.id} 次发布相比没有变化。</p>"
        else:
            rows = "".join(
                f"<li>{html.escape(c.request_id)} {html.escape(c.title)}：{html.escape(c.before)} → {html.escape(c.after)}（{html.escape(c.reason)}）</li>"
                for c in changes
            )
            changed = f"<p>与第 {previous.id} 次发布相比，{len(changes)} 项有变化：</p><ul>{rows}</ul>"
    bar = (
        f'<nav id="publication" style="font-size:13px;border-bottom:1px solid #999;margin-bottom:8px">'
        f"<p>第 {chosen.id} 次发布（{html.escape(chosen.published_at)}）· 已发布的周：{links}</p>{changed}</nav>"
    ).encode("utf-8")
    marker = b"<body>"
    return page.replace(marker, marker + bar, 1) if marker in page else bar + page


def _current_path(feed: str) -> str:
    """A token issued before feed names went through safe_name (units/<单位>.ics) opens the
    unit's feed under its slug."""
    kind, _, name = feed.partition("/")
    if kind == "units" and name.endswith(".ics"):
        return unit_feed(name.removesuffix(".ics")) if not name.startswith("_") else feed
    return feed


def _lookup(ledger: Ledger, raw: str):
    if not TOKEN.match(raw):
        return None
    digest = token_hash(raw)
    row = ledger.token_by_hash(digest)
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    return row


def _weak(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag[:2] in ("W/", "w/") else tag


def http_date(text: str) -> datetime | None:
    """An HTTP date, or None for anything unreadable or absurd (treated as absent)."""
    try:
        moment = parsedate_to_datetime(text)
    except Exception:  # ValueError, TypeError, OverflowError, IndexError on hostile input
        return None
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _not_modified(request: Request, etag: str, modified: str) -> bool:
    match = request.headers.get("if-none-match")
    if match is not None:  # weak comparison (RFC 9110 13.1.2)
        return match.strip() == "*" or _weak(etag) in [_weak(m) for m in match.split(",")]
    since = http_date(request.headers.get("if-modified-since") or "")
    last = http_date(modified)
    return since is not None and last is not None and since >= last


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
HTML_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
}


def _serve(request: Request, found, media_type: str) -> Response:
    body, etag, modified = found
    headers = {"ETag": etag, "Last-Modified": modified, "Cache-Control": "private, no-cache", **SECURITY_HEADERS}
    if media_type.startswith("text/html"):
        headers |= HTML_HEADERS
    if _not_modified(request, etag, modified):
        return Response(status_code=304, headers=headers)
    headers["Content-Length"] = str(len(body))
    return Response(b"" if request.method == "HEAD" else body, media_type=media_type, headers=headers)


def make_app(ledger_path: Path) -> Starlette:
    feeds = Feeds(Path(ledger_path))

    async def feed(request: Request) -> Response:
        row = _lookup(feeds.current(), request.path_params["token"])
        if row is None or row.kind == "staff" and row.feed != "all.ics":
            return NOT_FOUND
        found = feeds.get(_current_path(row.feed))
        if found is None:
            return NOT_FOUND
        return _serve(request, found, "text/calendar; charset=utf-8")

    async def week(request: Request) -> Response:
        row = _lookup(feeds.current(), request.path_params["token"])
        if row is None or row.kind != "staff":
            return NOT_FOUND
        found = feeds.week_page(request.query_params.get("week"))
        return NOT_FOUND if found is None else _serve(request, found, "text/html; charset=utf-8")

    async def not_found(request: Request, exc) -> Response:
        return NOT_FOUND

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        feeds.close()

    return Starlette(
        routes=[Route("/feeds/{token}.ics", feed, methods=["GET", "HEAD"]), Route("/week/{token}", week, methods=["GET", "HEAD"])],
        exception_handlers={404: not_found, 405: not_found},
        lifespan=lifespan,
    )
