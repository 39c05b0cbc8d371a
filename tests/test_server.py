"""The feed server, started for real on a loopback port."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest
import uvicorn
import vobject
from click.testing import CliRunner
from ical.calendar_stream import IcsCalendarStream

from scheduler.cli import _write_plan, cli
from scheduler.server import make_app
from tests.conftest import EXAMPLE, NOW

LATER = "2026-12-04T18:00:00+08:00"


def invoke(*args):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output + result.stderr
    return result.output


def issue(ledger, name, kind="leader"):
    out = invoke("token", "issue", name, "--kind", kind, "--ledger", str(ledger), "--base-url", "https://feeds.example.cn")
    return re.search(r"https://feeds\.example\.cn/feeds/([A-Za-z0-9_-]+)\.ics", out)[1], out


@pytest.fixture(scope="module")
def served(tmp_path_factory, example_problem, example_plan):
    root = tmp_path_factory.mktemp("serve")
    _write_plan(example_problem, example_plan, root / "out", now=NOW, folder=EXAMPLE)
    ledger = root / "ledger.sqlite"
    invoke("publish", str(root / "out"), "--ledger", str(ledger), "--to", str(root / "pub"), "--now", NOW.isoformat())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(make_app(ledger), host="127.0.0.1", port=port, log_level="warning", server_header=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield {"root": root, "ledger": ledger, "base": f"http://127.0.0.1:{port}"}
    server.should_exit = True
    thread.join(5)


def get(url, headers=None, method="GET"):
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_token_links_and_a_leaders_feed(served):
    token, out = issue(served["ledger"], "王志刚")
    assert f"webcal://feeds.example.cn/feeds/{token}.ics" in out and "leaders/L04.ics" in out
    status, headers, body = get(f"{served['base']}/feeds/{token}.ics", {"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["content-type"] == "text/calendar; charset=utf-8"
    assert "content-encoding" not in {k.lower() for k in headers} and "etag" in headers
    published = (served["root"] / "pub" / "feeds" / "current" / "leaders" / "L04.ics").read_bytes()  # the rolling feed
    assert body == published
    text = body.decode("utf-8")
    by_vobject = sorted(e.uid.value for e in vobject.readOne(text).vevent_list)
    by_ical = sorted(e.uid for e in IcsCalendarStream.calendar_from_ics(text).events)
    assert by_vobject == by_ical and by_vobject


def test_revalidation_and_head(served):
    token, _ = issue(served["ledger"], "L06")
    url = f"{served['base']}/feeds/{token}.ics"
    status, headers, body = get(url)
    etag, modified = headers["etag"], headers["last-modified"]
    assert get(url, {"If-None-Match": etag})[0] == 304
    assert get(url, {"If-Modified-Since": modified})[0] == 304
    assert get(url, {"If-None-Match": '"something-else"'})[0] == 200
    assert get(url, {"If-None-Match": f"W/{etag}"})[0] == 304  # weak comparison
    assert get(url, {"If-None-Match": f'"x", W/{etag}'})[0] == 304
    assert modified.endswith(" GMT")
    status, head_headers, head_body = get(url, method="HEAD")
    assert status == 200 and head_body == b"" and head_headers["content-length"] == str(len(body))


def test_unknown_revoked_and_malformed_tokens_get_the_same_404(served):
    token, _ = issue(served["ledger"], "市财政局", kind="unit")
    url = f"{served['base']}/feeds/{token}.ics"
    assert get(url)[0] == 200
    invoke("token", "revoke", "市财政局", "--ledger", str(served["ledger"]))
    answers = {get(u)[2] for u in (
        url, f"{served['base']}/feeds/{'A' * 32}.ics", f"{served['base']}/feeds/short.ics", f"{served['base']}/feeds/{token}!!.ics",
    )}
    assert answers == {b"Not Found\n"}
    assert "已吊销" in invoke("token", "list", "--ledger", str(served["ledger"]))


@pytest.mark.parametrize("path", [
    "/feeds/../../etc/passwd", "/feeds/..%2F..%2Fetc%2Fpasswd.ics", "/week/..%2Fledger.sqlite", "/ledger.sqlite",
    "/feeds/%2e%2e/%2e%2e/etc/passwd.ics", "/pub/2026-12-07/current/all.ics", "/feeds/", "/",
])
def test_no_request_reaches_the_file_system(served, path):
    status, _, body = get(served["base"] + path)
    assert status == 404 and body == b"Not Found\n"


def test_staff_week_page_and_all_feed(served):
    token, out = issue(served["ledger"], "两办值班", kind="staff")
    assert f"一周安排网页：https://feeds.example.cn/week/{token}" in out
    status, headers, body = get(f"{served['base']}/week/{token}")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8" and "一周会议安排" in body.decode()
    leader_token, _ = issue(served["ledger"], "陈国强")
    assert get(f"{served['base']}/week/{leader_token}")[0] == 404  # only staff see the week page


def test_a_publication_landing_while_clients_poll(served, tmp_path):
    token, _ = issue(served["ledger"], "孙海涛")
    url = f"{served['base']}/feeds/{token}.ics"
    seen, problems, stop = {}, [], threading.Event()

    def poll():
        while not stop.is_set():
            status, headers, body = get(url)
            if status != 200 or headers["etag"].strip('"') != hashlib.sha256(body).hexdigest()[:32]:
                problems.append((status, headers.get("etag")))
                continue
            try:
                events = vobject.readOne(body.decode("utf-8")).vevent_list
            except Exception as exc:  # a half feed would not parse
                problems.append(repr(exc))
                continue
            seen[headers["etag"]] = len(events)

    clients = [threading.Thread(target=poll) for _ in range(4)]
    for c in clients:
        c.start()
    time.sleep(0.5)
    variant = tmp_path / "variant"
    invoke("-q", "whatif", str(served["root"] / "out"), "--away", "孙海涛", "2026-12-07", "-o", str(variant), "--now", LATER, "--time-limit", "10")
    invoke("publish", str(variant), "--ledger", str(served["ledger"]), "--to", str(served["root"] / "pub"), "--now", LATER)
    time.sleep(0.5)
    stop.set()
    for c in clients:
        c.join()
    assert problems == []
    assert len(seen) == 2  # the old publication, then the new one, each whole


def test_the_week_page_in_a_browser(served):
    chromium = shutil.which("chromium")
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed (apt-get install chromium)")
        pytest.skip("Chromium is not installed")
    from playwright.sync_api import sync_playwright

    token, _ = issue(served["ledger"], "秘书一科", kind="staff")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page()
        page.goto(f"{served['base']}/week/{token}")
        assert page.locator("#week tbody tr").count() == 12
        assert "会议场次" in page.locator("#savings").inner_text()
        browser.close()


@pytest.mark.parametrize("since", [
    "Sat, 01 Jan 99999999999 00:00:00 GMT", "garbage", "", "Mon, 32 Foo 2026 25:61:61 GMT", "Thu, 01 Jan 1970 00:00:00 -0000", "\x00",
])
def test_an_absurd_if_modified_since_counts_as_absent(served, since):
    token, _ = issue(served["ledger"], "L06")
    status, _, body = get(f"{served['base']}/feeds/{token}.ics", {"If-Modified-Since": since} if "\x00" not in since else {})
    assert status == 200 and body


def test_headers_on_feeds_and_the_week_page(served):
    token, _ = issue(served["ledger"], "值班室", kind="staff")
    for path, html in ((f"/feeds/{token}.ics", False), (f"/week/{token}", True)):
        status, headers, _ = get(served["base"] + path)
        headers = {k.lower(): v for k, v in headers.items()}
        assert status == 200
        assert headers["cache-control"] == "private, no-cache"
        assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"
        assert "server" not in headers and "content-encoding" not in headers
        if html:
            assert "default-src 'none'" in headers["content-security-policy"] and "script-src" not in headers["content-security-policy"]


def test_the_week_page_names_the_publication_and_chooses_the_week(served):
    token, _ = issue(served["ledger"], "值班室二", kind="staff")
    status, _, body = get(f"{served['base']}/week/{token}?week=2026-12-07")
    page = body.decode("utf-8")
    assert status == 200 and "次发布" in page and "?week=2026-12-07" in page
    assert get(f"{served['base']}/week/{token}?week=1999-01-04")[0] == 404
    assert get(f"{served['base']}/week/{token}?week=nonsense")[0] == 404


def start(app):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", server_header=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


def test_two_published_weeks_in_the_served_feed_and_a_replaced_ledger_is_noticed(tmp_path):
    from datetime import timedelta

    from scheduler.ledger import Ledger
    from scheduler.publish import publish_plan
    from tests.test_feeds import first_week, second_week

    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        publish_plan(*first_week(), ledger=ledger, root=tmp_path / "pub", now=NOW)
    shutil.copy(tmp_path / "ledger.sqlite", tmp_path / "backup.sqlite")
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        publish_plan(*second_week(), ledger=ledger, root=tmp_path / "pub", now=NOW - timedelta(days=1))  # stamped earlier
    out = invoke("token", "issue", "王志刚", "--ledger", str(tmp_path / "ledger.sqlite"))
    token = re.search(r"http://127\.0\.0\.1:8080/feeds/([A-Za-z0-9_-]+)\.ics", out)[1]  # the default scheme is what serve speaks
    server, thread, base = start(make_app(tmp_path / "ledger.sqlite"))
    try:
        status, headers, body = get(f"{base}/feeds/{token}.ics")
        uids = {e.uid.value for e in vobject.readOne(body.decode("utf-8")).vevent_list}
        assert {"A-20261207@scheduler", "C-20261214@scheduler"} <= uids
        assert headers["last-modified"] == "Fri, 04 Dec 2026 09:00:00 GMT"  # never earlier than the publication before
        # The ledger file is replaced by the backup (which holds no such token): the server notices.
        shutil.copy(tmp_path / "backup.sqlite", tmp_path / "ledger.sqlite.new")
        os.replace(tmp_path / "ledger.sqlite.new", tmp_path / "ledger.sqlite")
        assert get(f"{base}/feeds/{token}.ics")[0] == 404
    finally:
        server.should_exit = True
        thread.join(5)


def test_token_links_keep_the_scheme_of_the_base_url(tmp_path):
    from scheduler.ledger import Ledger
    from scheduler.publish import publish_plan
    from tests.test_feeds import first_week

    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        publish_plan(*first_week(), ledger=ledger, root=tmp_path / "pub", now=NOW)
    out = invoke("token", "issue", "王志刚", "--ledger", str(tmp_path / "ledger.sqlite"), "--base-url", "http://10.1.2.3:8080/")
    assert re.search(r"^  http://10\.1\.2\.3:8080/feeds/[A-Za-z0-9_-]+\.ics$", out, re.M) and "https://" not in out
    staff = invoke("token", "issue", "办公室", "--kind", "staff", "--ledger", str(tmp_path / "ledger.sqlite"), "--base-url", "HTTPS://feeds.example.cn")
    assert re.search(r"一周安排网页：https://feeds\.example\.cn/week/[A-Za-z0-9_-]+$", staff, re.M) and "http://" not in staff
