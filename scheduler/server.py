"""The feeds and the week page over HTTP (Starlette under uvicorn), read-only.

Every URL carries a secret token: /feeds/<token>.ics is the subscriber's feed from the latest
publication, /week/<token> the published report.html (staff tokens). Tokens are stored hashed
(SHA-256) in the ledger; what a token opens is decided by its ledger row, never by the URL, so
no request can reach a file of its choosing. An unknown, revoked or malformed token gets the
same plain 404. Responses carry ETag and Last-Modified, answer revalidation with 304, support
HEAD, and are never compressed (Outlook's subscriptions break on gzip)."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
import secrets
from email.utils import format_datetime, parsedate_to_datetime
from datetime import datetime
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from .ledger import Ledger
from .publish import ROLLING

TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
NOT_FOUND = PlainTextResponse("Not Found\n", status_code=404)


def new_token() -> str:
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


class Feeds:
    """The latest publication's files by path, read from the ledger and cached per publication."""

    def __init__(self, ledger: Ledger):
        self.ledger = ledger
        self.cache: dict[tuple[int, str], tuple[bytes, str, str] | None] = {}

    def get(self, path: str) -> tuple[bytes, str, str] | None:
        publication = self.ledger.latest_id()
        if publication is None:
            return None
        key = (publication, path)
        if key not in self.cache:
            body = self.ledger.feed(publication, ROLLING + path) if path.endswith(".ics") else None
            if body is None:  # a publication recorded before rolling feeds, or the week page
                body = self.ledger.feed(publication, path)
            if body is None:
                self.cache[key] = None
            else:
                etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
                modified = format_datetime(datetime.fromisoformat(self.ledger.published_at(publication)), usegmt=False)
                self.cache[key] = (body, etag, modified)
            for old in [k for k in self.cache if k[0] != publication]:
                del self.cache[old]
        return self.cache[key]


def _lookup(ledger: Ledger, raw: str):
    if not TOKEN.match(raw):
        return None
    digest = token_hash(raw)
    row = ledger.token_by_hash(digest)
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    return row


def _not_modified(request: Request, etag: str, modified: str) -> bool:
    match = request.headers.get("if-none-match")
    if match is not None:
        return etag in [m.strip() for m in match.split(",")] or match.strip() == "*"
    since = request.headers.get("if-modified-since")
    if since:
        try:
            return parsedate_to_datetime(since) >= parsedate_to_datetime(modified)
        except (TypeError, ValueError):
            return False
    return False


def _serve(request: Request, found, media_type: str) -> Response:
    body, etag, modified = found
    headers = {"ETag": etag, "Last-Modified": modified, "Cache-Control": "no-cache", "Content-Encoding": "identity"}
    if _not_modified(request, etag, modified):
        return Response(status_code=304, headers=headers)
    headers["Content-Length"] = str(len(body))
    return Response(b"" if request.method == "HEAD" else body, media_type=media_type, headers=headers)


def make_app(ledger_path: Path) -> Starlette:
    ledger = Ledger(ledger_path, shared=True, create=False)
    feeds = Feeds(ledger)

    async def feed(request: Request) -> Response:
        row = _lookup(ledger, request.path_params["token"])
        if row is None or row.kind == "staff" and row.feed != "all.ics":
            return NOT_FOUND
        found = feeds.get(row.feed)
        if found is None:
            return NOT_FOUND
        return _serve(request, found, "text/calendar; charset=utf-8")

    async def week(request: Request) -> Response:
        row = _lookup(ledger, request.path_params["token"])
        if row is None or row.kind != "staff":
            return NOT_FOUND
        found = feeds.get("report.html")
        return NOT_FOUND if found is None else _serve(request, found, "text/html; charset=utf-8")

    async def not_found(request: Request, exc) -> Response:
        return NOT_FOUND

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        ledger.close()

    return Starlette(
        routes=[Route("/feeds/{token}.ics", feed, methods=["GET", "HEAD"]), Route("/week/{token}", week, methods=["GET", "HEAD"])],
        exception_handlers={404: not_found, 405: not_found},
        lifespan=lifespan,
    )
