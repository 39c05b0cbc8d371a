"""report.html (the week page, also served at /week/<token>) in a real browser: Debian's
Chromium driven by Playwright (never a downloaded browser). Desktop at 1440 px, a phone at
390 px, the printed A4 landscape page, and a leader's own print view."""

from __future__ import annotations

import os
import re
import shutil
import struct

import pytest

from scheduler.report import figures, report_html
from tests.conftest import NOW

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="module")
def browser(example_problem, example_plan, tmp_path_factory):
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed (apt-get install chromium); .ci/run installs it")
        pytest.skip("Chromium is not installed")
    from playwright.sync_api import sync_playwright

    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(report_html(example_problem, example_plan, now=NOW), encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser, path
        browser.close()


def open_page(browser, width: int, height: int = 900, *, anchor: str = ""):
    chromium, path = browser
    tab = chromium.new_page(viewport={"width": width, "height": height})
    requests = []
    tab.on("request", lambda r: requests.append(r.url))
    tab.goto(path.as_uri() + anchor)
    return tab, requests


@pytest.fixture(scope="module")
def desktop(browser):
    tab, requests = open_page(browser, 1440)
    yield tab, requests
    tab.close()


@pytest.fixture(scope="module")
def phone(browser):
    tab, _ = open_page(browser, 390, 844)
    yield tab
    tab.close()


NO_OVERFLOW = "() => document.documentElement.scrollWidth <= window.innerWidth"
CLIPPED = """sel => [...document.querySelectorAll(sel)].filter(e => e.offsetParent !== null
    && (e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > window.innerWidth + 1)).length"""


def png_size(data: bytes) -> tuple[int, int]:
    return struct.unpack(">II", data[16:24])


def pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))


def test_self_contained_with_a_viewport(desktop, browser):
    tab, requests = desktop
    assert requests == [browser[1].as_uri()]  # nothing fetched but the page itself
    assert tab.locator('meta[name="viewport"]').get_attribute("content") == "width=device-width, initial-scale=1"


def test_leaders_by_days_in_protocol_order(desktop, example_problem):
    tab, _ = desktop
    rows = tab.locator("#week tbody tr").evaluate_all("rows => rows.map(r => r.dataset.leader)")
    assert rows == [leader.id for leader in example_problem.leaders]
    headers = tab.locator("#week thead th").all_inner_texts()
    assert headers[0] == "领导" and headers[1] == "12月7日 周一" and "无会日" in headers[3]


def test_every_sitting_is_shown_and_combined_ones_are_marked(desktop, example_plan):
    tab, _ = desktop
    shown = set(tab.locator("[data-sitting]").evaluate_all("els => els.map(e => e.dataset.sitting)"))
    assert shown == {s.id for s in example_plan.sittings}
    for s in (s for s in example_plan.sittings if len(s.items) > 1):
        box = tab.locator(f'#week .entry.combined[data-sitting="{s.id}"]').first
        assert box.is_visible() and f"套开{len(s.items)}项" in box.inner_text()


def test_unscheduled_at_the_top_then_the_savings(desktop, example_problem, example_plan):
    tab, _ = desktop
    box = tab.locator("#unscheduled")
    missing = [o for o in example_plan.outcomes if not o.scheduled]
    assert box.inner_text().startswith(f"未安排 {len(missing)} 项")
    for o in missing:
        assert o.request_id in box.inner_text() and o.reasons[0][:10] in box.inner_text()
    f = figures(example_problem, example_plan)
    text = tab.locator("#savings").inner_text()
    assert f"减少 {f.scheduled - f.sittings} 场" in text and f"节省 {f.minutes_saved} 分钟" in text
    assert not re.search(r"\d\.0\b", text)  # no "110.0"
    assert box.bounding_box()["y"] < tab.locator("#savings").bounding_box()["y"] < tab.locator("#week").bounding_box()["y"]


def test_legend_and_badges(desktop, example_problem, example_plan):
    tab, _ = desktop
    legend = tab.locator("#legend").inner_text()
    for word in ("单项会议", "套开会议", "公务接待", "待审", "紧急", "逾期", "无会日例外"):
        assert word in legend
    placed = {i.request_id: i for s in example_plan.sittings for i in s.items}
    grid = tab.locator("#week").inner_text()
    for kind, test in (("pending", lambda r: r.approval == "待审"), ("urgent", lambda r: r.urgent)):
        assert any(test(r) for r in example_problem.requests if r.id in placed)
        assert tab.locator(f"#week .badge.{kind}").count() >= 1
    exception_days = {d.date for d in example_problem.days if d.no_meeting}
    if any(i.start.date() in exception_days for i in placed.values()):
        assert "无会日例外" in grid
    assert tab.locator("s").count() == 0  # no strike-through (read as "cancelled")


def test_changes_as_a_table(desktop, example_plan):
    tab, _ = desktop
    headers = tab.locator("#changes thead th").all_inner_texts()
    assert headers == ["编号", "会议名称", "原申请", "安排", "原因"]
    changed = [o for o in example_plan.outcomes if o.scheduled and o.codes != ("scheduled",)]
    assert tab.locator("#changes tbody tr").count() == len(changed)


def test_chinese_only_and_dates_without_leading_zeros(desktop):
    tab, _ = desktop
    text = tab.locator("body").inner_text()
    assert not re.search(r"[A-Za-z]{3,}", text), re.findall(r"[A-Za-z]{3,}", text)
    assert not re.search(r"(?<!\d)0\d月|月0\d日", text)


def test_desktop_1440_nothing_overflows(desktop, tmp_path):
    tab, _ = desktop
    assert tab.evaluate(NO_OVERFLOW)
    assert tab.locator("#week").is_visible() and not tab.locator("#days").is_visible()
    assert tab.evaluate(CLIPPED, "#week .entry, #week th, #savings div, #changes td") == 0
    shot = tab.screenshot(full_page=True)
    width, height = png_size(shot)
    assert width == 1440 and height > 900 and len(shot) > 50_000


def test_phone_390_days_as_cards(phone, example_plan):
    assert phone.evaluate(NO_OVERFLOW)
    assert not phone.locator("#week").is_visible() and phone.locator("#days").is_visible()
    cards = set(phone.locator("#days [data-card]").evaluate_all("els => els.map(e => e.dataset.card)"))
    assert cards == {s.id for s in example_plan.sittings}
    assert phone.evaluate(CLIPPED, ".card, #unscheduled, #savings div, #changes td, #legend") == 0
    width, _ = png_size(phone.screenshot(full_page=True))
    assert width == 390


def test_prints_the_week_on_one_a4_landscape_page(desktop):
    tab, _ = desktop
    pdf = tab.pdf(prefer_css_page_size=True, print_background=True)
    assert b"/MediaBox [0 0 841.91998 594.95996]" in pdf or b"/MediaBox [0 0 842 595]" in pdf
    assert pdf_pages(pdf) == 1


def test_a_leaders_own_print_view(browser, example_problem, example_plan):
    leader = next(x for x in example_problem.leaders if any(x.id in s.leaders for s in example_plan.sittings))
    tab, _ = open_page(browser, 1440, anchor=f"#leader-{leader.id}")
    try:
        sheet = tab.locator(f"#leader-{leader.id}")
        assert sheet.is_visible() and not tab.locator("#week").is_visible()
        assert sheet.inner_text().startswith(f"{leader.name}（{leader.title}）一周安排")
        others = [x.name for x in example_problem.leaders if x.id != leader.id and x.name not in sheet.inner_text()]
        assert others  # only this leader's sheet
        tab.emulate_media(media="print")
        pdf = tab.pdf(prefer_css_page_size=True)
        assert pdf_pages(pdf) == 1
    finally:
        tab.close()
