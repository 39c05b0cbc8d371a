"""减负统计: the figures of `stats` for the office's report, the year-on-year change with its
target, quota use by unit, and the 统计报表 workbook."""

from __future__ import annotations

import json
from datetime import date

from click.testing import CliRunner
from openpyxl import load_workbook

from scheduler.burden import burden
from scheduler.cli import cli
from scheduler.ledger import Ledger
from tests.conftest import NOW


def row(rid, title, organiser="市应急管理局", kind="部署会", scheduled=1, combined=0, attendees=30, citywide=None, annual=None, week="2026-12-07", day="2026-12-08"):
    return {"week": week, "id": rid, "title": title, "organiser": organiser, "kind": kind, "agenda": "", "scheduled": scheduled, "combined": combined,
            "urgent": 0, "late": 0, "no_meeting_day": 0, "minutes_requested": 90, "minutes_planned": 60 if scheduled else 0,
            "person_minutes_requested": 90 * attendees, "person_minutes_planned": 60 * attendees if scheduled else 0,
            "day": day if scheduled else None, "attendees": attendees, "annual": annual, "citywide": citywide}


LAST_YEAR = [
    row("A1", "全市安全生产工作会议", attendees=200, week="2025-12-08", day="2025-12-09"),
    row("A2", "全市森林防火部署会", attendees=120, week="2025-12-08", day="2025-12-10"),
    row("A3", "全市消防工作会议", attendees=150, week="2025-12-08", day="2025-12-11", organiser="市消防救援支队"),
    row("A4", "冬季安全专题会", kind="专题会", week="2025-12-08", day="2025-12-11"),
]
THIS_YEAR = [
    row("H1", "全市安全生产工作会议", attendees=200, annual="计划内", combined=1),
    row("H2", "冬季安全专题会", kind="专题会", annual="计划外", combined=1),
    row("H3", "全市森林防火部署会", attendees=120, citywide=0, annual="计划内"),  # the plan says: not 全市性
    row("H4", "城市更新座谈会", kind="座谈会", organiser="市住房城乡建设局", scheduled=0, annual="计划外"),
]
SITTINGS = [{"week": "2026-12-07", "id": "H1", "day": "2026-12-08", "organisers": "市应急管理局", "kinds": "部署会、专题会", "items": 2, "minutes": 120},
            {"week": "2026-12-07", "id": "H3", "day": "2026-12-08", "organisers": "市应急管理局", "kinds": "部署会", "items": 1, "minutes": 60}]


def test_figures_change_and_target():
    b = burden(THIS_YEAR, LAST_YEAR, SITTINGS, start=date(2026, 12, 1), end=date(2027, 1, 1), compared=True, target_percent=20)
    assert (b.requested, b.held, b.combined, b.refused, b.in_plan, b.out_of_plan, b.trips_saved) == (4, 3, 2, 1, 2, 2, 1)
    assert b.person_hours_saved == round(30 * (200 + 30 + 120) / 60, 1)
    assert b.by_class == {"全部": 3, "全市性会议": 1, "大型会议": 2}
    changes = {c.cls: (c.now, c.before, c.allowed, c.met, c.percent) for c in b.changes}
    assert changes == {"全部": (3, 4, 3, True, -25.0), "全市性会议": (1, 3, 2, True, -66.7), "大型会议": (2, 3, 2, True, -33.3)}
    assert ("市应急管理局", "大型会议", 2, 1) in b.quota and ("市消防救援支队", "全市性会议", 0, 0) in b.quota
    missed = burden(THIS_YEAR, LAST_YEAR[:2], SITTINGS, start=date(2026, 12, 1), end=date(2027, 1, 1), compared=True, target_percent=20)
    assert {c.cls: c.met for c in missed.changes} == {"全部": False, "全市性会议": True, "大型会议": False}


def test_without_last_year_there_is_no_comparison():
    b = burden(THIS_YEAR, [], SITTINGS, start=date(2026, 12, 1), end=date(2027, 1, 1), compared=False)
    assert b.changes == () and b.quota == ()


def test_stats_prints_the_relief_figures_and_writes_the_workbook(tmp_path):
    ledger = tmp_path / "ledger.sqlite"
    with Ledger(ledger) as book:
        book.record(week=date(2025, 12, 8), published_at=NOW, input="w", plan_json="{}", feeds={}, events=[], requests=LAST_YEAR, sittings=[])
        book.record(week=date(2026, 12, 7), published_at=NOW, input="w", plan_json="{}", feeds={}, events=[], requests=THIS_YEAR, sittings=SITTINGS)
    out = tmp_path / "统计报表.xlsx"
    result = CliRunner().invoke(cli, ["stats", "--month", "2026-12-08", "--ledger", str(ledger), "--target", "20", "--xlsx", str(out)])
    assert result.exit_code == 0, result.output
    assert "  会议申请 4 项：安排 3 项（套开 2 项），未安排或退回 1 项" in result.output
    assert "  年度计划：计划内 2 项，计划外 2 项" in result.output
    assert "    大型会议 2，去年同期 3（-33.3%），目标压减20%即不超过2：达标" in result.output
    assert "    市应急管理局 大型会议 2/1（超出）" in result.output
    book = load_workbook(out)
    assert book.sheetnames == ["汇总", "同比", "总量控制", "按单位", "按类型"]
    assert [c.value for c in book["同比"][3]] == ["全市性会议", 1, 3, -66.7, 20, 2, "达标"]
    data = json.loads(CliRunner().invoke(cli, ["stats", "--month", "2026-12-08", "--ledger", str(ledger), "--json"]).output)
    assert data["burden"]["by_class"] == {"全部": 3, "全市性会议": 1, "大型会议": 2}
