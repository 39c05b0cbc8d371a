"""report.html in a real browser: Debian's Chromium driven by Playwright (never a downloaded
browser). The page must be self-contained, show every leader by days, every sitting with its
items, combined sittings as such, the savings at the top, and print on A4 landscape."""

from __future__ import annotations

import os
import shutil

import pytest

from scheduler.report import figures, report_html
from tests.conftest import NOW

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def page(example_problem, example_plan, tmp_path_factory):
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed (apt-get install chromium); .ci/run installs it")
        pytest.skip("Chromium is not installed")
    from playwright.sync_api import sync_playwright

    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(report_html(example_problem, example_plan, now=NOW), encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
        )
        tab = browser.new_page(viewport={"width": 1600, "height": 1000})
        requests = []
        tab.on("request", lambda r: requests.append(r.url))
        tab.goto(path.as_uri())
        yield tab, requests, path
        browser.close()


def test_self_contained(page):
    _, requests, path = page
    assert requests == [path.as_uri()]  # nothing fetched but the page itself


def test_leaders_by_days_in_protocol_order(page, example_problem):
    tab, _, _ = page
    rows = tab.locator("#week tbody tr").evaluate_all("rows => rows.map(r => r.dataset.leader)")
    assert rows == [leader.id for leader in example_problem.leaders]
    headers = tab.locator("#week thead th").all_inner_texts()
    assert headers[0] == "领导" and headers[1].startswith("12月7日 周一") and "无会日" in headers[3]


def test_every_sitting_is_shown_and_combined_ones_are_marked(page, example_plan):
    tab, _, _ = page
    shown = set(tab.locator("[data-sitting]").evaluate_all("els => els.map(e => e.dataset.sitting)"))
    assert shown == {s.id for s in example_plan.sittings}
    combined = [s for s in example_plan.sittings if len(s.items) > 1]
    for s in combined:
        box = tab.locator(f'.sitting.combined[data-sitting="{s.id}"]').first
        assert box.is_visible()
        assert f"套开{len(s.items)}项" in box.inner_text()


def test_savings_at_the_top(page, example_problem, example_plan):
    tab, _, _ = page
    f = figures(example_problem, example_plan)
    text = tab.locator("#savings").inner_text()
    assert f"减少 {f.scheduled - f.sittings} 场" in text and f"节省 {f.minutes_saved} 分钟" in text
    box = tab.locator("#savings").bounding_box()
    assert box["y"] < tab.locator("#week").bounding_box()["y"]


def test_screenshot_and_a4_landscape_print(page, tmp_path):
    tab, _, _ = page
    shot = tmp_path / "week.png"
    tab.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    pdf = tab.pdf(path=str(tmp_path / "week.pdf"), prefer_css_page_size=True)
    assert pdf[:4] == b"%PDF"
    # A4 landscape is 842 x 595 points.
    assert b"/MediaBox [0 0 841.91998 594.95996]" in pdf or b"/MediaBox [0 0 842 595]" in pdf
