"""scheduler stats over several published weeks of generated data."""

from __future__ import annotations

import json
import os
from datetime import date, datetime

import pytest
from click.testing import CliRunner

from scheduler.baseline import baseline_plan
from scheduler.charts import _check
from scheduler.cli import cli
from scheduler.errors import ConfigError
from scheduler.fonts import installed
from scheduler.generate import generate
from scheduler.ledger import Ledger
from scheduler.publish import request_rows, sitting_rows
from tests.conftest import SHANGHAI

WEEKS = [date(2025, 12, 8), date(2026, 11, 30), date(2026, 12, 7), date(2026, 12, 14)]


@pytest.fixture(scope="module")
def ledger_with_weeks(tmp_path_factory):
    path = tmp_path_factory.mktemp("ledger") / "ledger.sqlite"
    weeks = {}
    with Ledger(path) as ledger:
        for n, week in enumerate(WEEKS):
            problem = generate("S", seed=n, week=week)
            plan = baseline_plan(problem)
            weeks[week] = (problem, plan)
            ledger.record(
                week=week, published_at=datetime(2026, 12, 1, tzinfo=SHANGHAI), input="generated", plan_json="{}", feeds={}, events=[],
                requests=request_rows(problem, plan), sittings=sitting_rows(problem, plan),
            )
    return path, weeks


def stats(path, *args):
    result = CliRunner().invoke(cli, ["stats", *args, "--ledger", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_month_counts_match_the_published_weeks(ledger_with_weeks):
    path, weeks = ledger_with_weeks
    data = stats(path, "--month", "2026-12-10")
    december = [weeks[w] for w in WEEKS if w.year == 2026 and w.month == 12]
    assert data["weeks"] == 2
    assert data["requests"] == sum(len(p.requests) for p, _ in december)
    assert data["sittings"] == sum(len(plan.sittings) for _, plan in december)
    assert data["scheduled"] == sum(len(plan.sittings) for _, plan in december)  # the baseline never combines
    assert data["combined_items"] == 0
    assert data["urgent"] == sum(r.urgent for p, _ in december for r in p.requests)
    assert data["minutes_planned"] == sum(s.minutes for _, plan in december for s in plan.sittings)
    organisers = {}
    for p, plan in december:
        for r in p.requests:
            organisers[r.organiser] = organisers.get(r.organiser, 0) + 1
    assert data["requests_by_organiser"] == dict(sorted(organisers.items(), key=lambda x: (-x[1], x[0])))


def test_year_before_and_the_quota(ledger_with_weeks):
    path, weeks = ledger_with_weeks
    data = stats(path, "--week", "2026-12-09")
    before = weeks[date(2025, 12, 8)][1]
    assert data["year_before"]["sittings"] == len(before.sittings)
    assert data["quota"]["change"] == len(weeks[date(2026, 12, 7)][1].sittings) - len(before.sittings)
    assert data["quota"]["met"] == (data["quota"]["change"] <= 0)


def test_quarter_and_year_cover_the_right_weeks(ledger_with_weeks):
    path, _ = ledger_with_weeks
    assert stats(path, "--quarter", "2026-11-01")["weeks"] == 3
    assert stats(path, "--year", "2026-06-01")["weeks"] == 3
    assert stats(path, "--year", "2025-06-01")["weeks"] == 1


def needs_cjk_font():
    try:
        installed()
    except ConfigError:
        if os.environ.get("CI"):
            raise
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")


def test_table_and_charts_in_chinese(ledger_with_weeks, tmp_path):
    needs_cjk_font()
    path, _ = ledger_with_weeks
    result = CliRunner().invoke(cli, ["stats", "--month", "2026-12-10", "--ledger", str(path), "--charts", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "月统计 2026年12月1日—12月31日" in result.output and "只减不增" in result.output
    for name in ("by-organiser.png", "by-kind.png", "minutes.png"):
        data = (tmp_path / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def test_a_missing_glyph_is_refused_not_drawn_as_a_box():
    needs_cjk_font()
    font = installed()
    _check(["会议场次（按主办单位）"], font)
    with pytest.raises(ConfigError, match="统计图会显示方框"):
        _check(["\U000F0000"], font)
