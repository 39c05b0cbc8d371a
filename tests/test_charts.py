"""The statistics charts: whole-number ticks for counts, the period in every title, requests
against sittings held, the 只减不增 line, and "无去年同期记录" where there is no record."""

from __future__ import annotations

from datetime import date

import pytest

from scheduler.stats import Figures, weekly_sittings
from tests.test_stats import needs_cjk_font


def figures(start, end, weeks=3, **kw) -> Figures:
    base = dict(requests=5, scheduled=4, sittings=3, combined_items=2, minutes_requested=300, minutes_planned=250,
                person_hours_saved=1.5, urgent=0, late=0, no_meeting_day_exceptions=0,
                requests_by_organiser={"市财政局": 3, "市教育局": 2}, sittings_by_organiser={"市财政局": 2, "市教育局": 1},
                requests_by_kind={"专题会": 5}, sittings_by_kind={"专题会": 3})
    base.update(kw)
    return Figures(start=start, end=end, weeks=weeks, **base)


MONTH = figures(date(2026, 12, 1), date(2027, 1, 1))
NONE_BEFORE = figures(date(2025, 12, 1), date(2026, 1, 1), weeks=0, requests=0, scheduled=0, sittings=0, minutes_requested=0, minutes_planned=0,
                      requests_by_organiser={}, sittings_by_organiser={}, requests_by_kind={}, sittings_by_kind={})


@pytest.fixture(scope="module")
def drawn():
    needs_cjk_font()
    from scheduler.charts import chart_figures

    return chart_figures("month", MONTH, NONE_BEFORE, [None] * 48 + [3, 2, 4], [None] * 51)


def texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda o: hasattr(o, "get_text"))]


def test_every_title_names_the_period(drawn):
    for name, fig in drawn.items():
        title = fig.axes[0].get_title()
        assert "2026年" in title, name
        if name != "quota.png":
            assert title.startswith("2026年12月"), title


def test_counts_have_whole_number_ticks(drawn):
    for name in ("by-organiser.png", "by-kind.png"):
        ax = drawn[name].axes[0]
        ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
        assert ticks and all(float(t).is_integer() for t in ticks), (name, ticks)
    ax = drawn["quota.png"].axes[0]
    assert all(float(t).is_integer() for t in ax.get_yticks())


def test_requests_against_sittings_held(drawn):
    ax = drawn["by-organiser.png"].axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["申请（项）", "召开（场）"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["市财政局", "市教育局"]


def test_no_record_a_year_before_is_said_not_drawn_as_an_empty_bar(drawn):
    minutes = drawn["minutes.png"]
    assert [t.get_text() for t in minutes.axes[0].get_yticklabels()] == ["申请时长", "安排时长"]
    assert any("无去年同期记录" in t for t in texts(minutes))
    assert any("无去年同期记录" in t for t in texts(drawn["quota.png"]))


def test_the_quota_line_against_the_same_weeks_a_year_before():
    needs_cjk_font()
    from scheduler.charts import chart_figures

    before = figures(date(2025, 12, 1), date(2026, 1, 1))
    drawn = chart_figures("month", MONTH, before, [None] * 48 + [3, 2, 4], [None] * 48 + [5, 4, 4])
    ax = drawn["quota.png"].axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["本年", "去年同期"]
    assert list(ax.get_lines()[1].get_ydata()[-3:]) == [5, 4, 4]
    assert not any("无去年同期记录" in t for t in texts(drawn["quota.png"]))


def test_weekly_sittings_leave_unpublished_weeks_out():
    requests = [{"week": "2026-01-05"}, {"week": "2026-01-19"}]
    sittings = [{"week": "2026-01-05"}, {"week": "2026-01-05"}]
    assert weekly_sittings(requests, sittings, date(2026, 1, 1), date(2026, 1, 26)) == [None, 2, None, 0]
