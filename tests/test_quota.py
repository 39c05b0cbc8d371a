"""总量控制 (只减不增): the week.toml schema, the arithmetic of caps and use (across year,
quarter and month boundaries), findings, and hard quotas keeping a request out of the plan."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.config import settings_from_mapping
from scheduler.control import Records, review_records, for_solver, with_excluded
from scheduler.domain import Plan
from scheduler.errors import ConfigError
from scheduler.quota import CITYWIDE, LARGE, Counted, QuotaCap, QuotaSettings, classes_of, parse_quota, period_span, uses
from tests.conftest import EXAMPLE, NOW, at, make_problem, make_request

UNIT = "市应急管理局"


def held(day: str, unit: str = UNIT, classes=(CITYWIDE,)) -> Counted:
    return Counted(unit=unit, day=date.fromisoformat(day), classes=frozenset(classes))


def asked(rid: str, day: str, unit: str = UNIT, classes=(CITYWIDE,)) -> Counted:
    return Counted(unit=unit, day=date.fromisoformat(day), classes=frozenset(classes), request_id=rid)


def covering(*years: int) -> set:
    return {(p, period_span(p, date(y, m, 1))[0]) for y in years for m in range(1, 13) for p in ("year", "quarter", "month")}


def test_default_cap_is_last_years_count_lowered_by_the_percentage():
    last_year = [held(f"2025-0{m}-10") for m in range(1, 6)]  # 5 held in 2025
    this_year = [held("2026-02-10"), held("2026-05-10"), held("2026-08-10")]
    settings = QuotaSettings(reduce_percent=20)
    [use] = uses(settings, [asked("A", "2026-12-08"), asked("B", "2026-12-09")], last_year + this_year, covering(2025))
    assert (use.cap, use.held, use.used, use.over, use.basis) == (4, 3, 5, ["B"], "去年同期5次压减20%")
    assert use.line == "市应急管理局 全市性会议 本年 5/4（超出1）"


def test_no_cap_without_a_record_of_the_same_period_last_year():
    assert uses(QuotaSettings(), [asked("A", "2026-12-08")], [], set()) == []
    [use] = uses(QuotaSettings(), [asked("A", "2026-12-08")], [], covering(2025))  # records, none held: 只减不增 means 0
    assert (use.cap, use.over) == (0, ["A"])


def test_a_week_across_new_year_counts_each_day_in_its_own_year():
    rows = [held("2025-05-01"), held("2026-03-10"), held("2026-06-10")]
    week = [asked("A", "2026-12-31"), asked("B", "2027-01-02")]
    result = {(u.period, u.start): u for u in uses(QuotaSettings(periods=("year", "quarter")), week, rows, covering(2025, 2026))}
    y2026, y2027 = result[("year", date(2026, 1, 1))], result[("year", date(2027, 1, 1))]
    assert (y2026.cap, y2026.held, y2026.used, y2026.over) == (1, 2, 3, ["A"])  # 2025 held one
    assert (y2027.cap, y2027.held, y2027.used, y2027.over) == (2, 0, 1, [])  # 2026 held two
    q4, q1 = result[("quarter", date(2026, 10, 1))], result[("quarter", date(2027, 1, 1))]
    assert (q4.cap, q4.used) == (0, 1) and q4.over == ["A"]  # nothing in 2025 Q4
    assert (q1.cap, q1.used, q1.over) == (1, 1, [])  # 2026 Q1 held one (03-10)


def test_monthly_periods_and_explicit_caps():
    caps = (QuotaCap(unit="*", cls="推进会", period="month", cap=2), QuotaCap(unit=UNIT, cls="推进会", period="month", cap=1))
    settings = QuotaSettings(classes=(), caps=caps)
    week = [asked("A", "2026-11-30", classes={"推进会"}), asked("B", "2026-12-01", classes={"推进会"}), asked("C", "2026-12-02", classes={"推进会"}),
            asked("D", "2026-12-02", unit="市财政局", classes={"推进会"})]
    result = uses(settings, week, [held("2026-12-01", classes={"推进会"})], set())
    lines = [u.line for u in result]
    assert lines == ["市应急管理局 推进会 本月 1/1", "市应急管理局 推进会 本月 3/1（超出2）", "市财政局 推进会 本月 1/2"]
    assert result[1].over == ["B", "C"] and result[1].basis == "定额"


def test_a_unit_cap_set_as_a_percentage_of_last_year():
    settings = QuotaSettings(classes=(), caps=(QuotaCap(unit=UNIT, cls=LARGE, period="year", reduce_percent=50),))
    rows = [held(f"2025-0{m}-01", classes={LARGE}) for m in range(1, 4)]
    [use] = uses(settings, [asked("A", "2026-03-02", classes={LARGE})], rows, covering(2025))
    assert (use.cap, use.basis) == (1, "去年同期3次压减50%")


def test_classes():
    s = QuotaSettings(large_attendees=100)
    assert classes_of(kind="部署会", title="全市安全生产工作会议", attendees=150, citywide=None, settings=s) == {"全部", "部署会", CITYWIDE, LARGE}
    assert classes_of(kind="部署会", title="全市安全生产工作会议", attendees=99, citywide=False, settings=s) == {"全部", "部署会"}
    assert classes_of(kind="专题会", title="森林防火专题会", attendees=None, citywide=True, settings=s) == {"全部", "专题会", CITYWIDE}


def test_week_toml_quota_schema():
    settings = settings_from_mapping({"quota": {"large_attendees": 80, "reduce_percent": 20, "hard": True, "periods": ["年", "quarter"],
                                                "caps": [{"unit": UNIT, "class": "全市性会议", "cap": 4}]}})
    q = settings.quota
    assert (q.large_attendees, q.reduce_percent, q.hard, q.periods) == (80, 20.0, True, ("year", "quarter"))
    assert q.caps == (QuotaCap(unit=UNIT, cls="全市性会议", period="year", cap=4),)


@pytest.mark.parametrize("table, message", [
    ({"hard": "yes"}, "week.toml: [quota] hard = 'yes' 应为 true 或 false"),
    ({"reduce_percent": 120}, "week.toml: [quota] reduce_percent = 120 应为 0 至 100（不含）之间的百分数，如 20 表示比去年同期压减 20%"),
    ({"periods": ["week"]}, "week.toml: [quota] periods = ['week'] 应为期间的列表：year、quarter、month（或 年、季度、月）"),
    ({"limit": 3}, "week.toml: [quota] limit 是未知的设置项；可用的设置项：caps、classes、hard、large_attendees、periods、reduce_percent"),
    ({"caps": [{"class": "大型会议"}]}, "week.toml: [[quota.caps]] 第1项 应写 cap（次数上限）或 reduce_percent（比去年同期压减的百分数）二者之一"),
    ({"caps": [{"class": "大型会议", "cap": -1}]}, "week.toml: [[quota.caps]] 第1项 cap = -1 应为不小于 0 的整数"),
    ({"caps": [{"cap": 1}]}, "week.toml: [[quota.caps]] 第1项 缺少 class（全市性会议、大型会议、全部，或某一会议类型）"),
])
def test_bad_quota_settings_name_the_key(table, message):
    with pytest.raises(ConfigError) as caught:
        parse_quota(table, "week.toml")
    assert str(caught.value) == message


def _week(hard: bool):
    requests = [
        make_request("A", title="全市森林防火部署会", kind="部署会", organiser=UNIT, attendees=30),
        make_request("B", title="全市安全生产部署会", kind="部署会", organiser=UNIT, attendees=30, urgent=True, urgent_reason="寒潮"),
        make_request("C", title="全市供暖部署会", kind="部署会", organiser=UNIT, attendees=30, fixed_start=at(1, "09:00")),
    ]
    problem = make_problem(requests)
    quota_settings = QuotaSettings(classes=(), hard=hard, caps=(QuotaCap(unit=UNIT, cls=CITYWIDE, period="year", cap=1),))
    return replace(problem, settings=replace(problem.settings, quota=quota_settings))


def test_over_quota_is_flagged_urgent_first_and_fixed_not_counted():
    problem = _week(hard=False)
    result = review_records(problem, Records())
    assert result.lines == ("总量控制（只减不增）：市应急管理局 全市性会议 本年 2/1（超出1）",)
    assert [(f.rule, f.request_id, f.message) for f in result.findings] == [
        ("quota_exceeded", "A", "A「全市森林防火部署会」超出总量控制：市应急管理局 全市性会议 本年第2次，上限1（定额）"),
    ]
    assert result.excluded == ()


def test_a_hard_quota_keeps_the_request_out_with_the_quota_as_reason():
    problem = _week(hard=True)
    result = review_records(problem, Records())
    [outcome] = result.excluded
    assert (outcome.request_id, outcome.codes, outcome.rules) == ("A", ("rejected",), ("quota_exceeded",))
    assert outcome.reasons == ("超出总量控制：市应急管理局 全市性会议 本年第2次，上限1（定额）；week.toml 的 [quota] 为 hard = true，不予安排。",)
    solvable = for_solver(problem, result)
    assert [r.id for r in solvable.requests] == ["B", "C"]
    plan = with_excluded(problem, Plan(week=problem.week, sittings=(), outcomes=()), result)
    assert [o.request_id for o in plan.outcomes] == ["A"]


def test_held_meetings_in_the_ledger_count(tmp_path):
    problem = _week(hard=False)
    rows = ({"week": "2026-03-02", "organiser": UNIT, "kind": "部署会", "title": "全市防汛部署会", "attendees": 80, "citywide": None, "day": "2026-03-03"},)
    result = review_records(problem, Records(held=rows))
    assert result.lines == ("总量控制（只减不增）：市应急管理局 全市性会议 本年 3/1（超出2）",)
    assert [f.request_id for f in result.findings] == ["B", "A"]


def test_check_and_plan_show_quota_use_and_a_hard_quota_rejects(tmp_path):
    week = tmp_path / "week"
    import shutil

    shutil.copytree(EXAMPLE, week)
    with (week / "week.toml").open("a", encoding="utf-8") as f:
        f.write('\n[quota]\nhard = true\n\n[[quota.caps]]\nunit = "市应急管理局"\nclass = "部署会"\ncap = 1\n')
    ledger = tmp_path / "ledger.sqlite"
    check = CliRunner().invoke(cli, ["check", str(week), "--ledger", str(ledger), "--now", NOW.isoformat()])
    assert check.exit_code == 0, check.output
    assert "总量控制（只减不增）：市应急管理局 部署会 本年 2/1（超出1）" in check.output
    assert "H42「冬季森林防灭火工作部署会」超出总量控制：市应急管理局 部署会 本年第2次，上限1（定额）" in check.output
    data = json.loads(CliRunner().invoke(cli, ["check", str(week), "--ledger", str(ledger), "--json"]).output)
    assert data["quota"] == [{"unit": "市应急管理局", "class": "部署会", "period": "year", "start": "2026-01-01", "used": 2, "cap": 1, "basis": "定额", "over": ["H42"]}]
    out = tmp_path / "out"
    plan = CliRunner().invoke(cli, ["-q", "plan", str(week), "-o", str(out), "--ledger", str(ledger), "--now", NOW.isoformat(), "--time-limit", "5"])
    assert plan.exit_code == 0, plan.output
    assert "总量控制（只减不增）：市应急管理局 部署会 本年 2/1（超出1）" in plan.output
    data = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    outcome = next(r["outcome"] for r in data["requests"] if r["id"] == "H42")
    assert outcome["codes"] == ["rejected"] and outcome["rules"] == ["quota_exceeded"] and outcome["sitting"] is None
    assert "不予安排" in outcome["reasons"][0]


def test_the_line_counts_everything_over_the_cap_not_only_this_week():
    settings = QuotaSettings(classes=(), caps=(QuotaCap(unit=UNIT, cls=CITYWIDE, period="year", cap=1),))
    rows = [held("2026-02-01"), held("2026-05-01"), held("2026-08-01")]
    [use] = uses(settings, [asked("A", "2026-12-08")], rows, set())
    assert (use.line, use.over) == ("市应急管理局 全市性会议 本年 4/1（超出3）", ["A"])
