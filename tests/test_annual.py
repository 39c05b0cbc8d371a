"""年度会议计划: reading the workbook, recording it, and matching a week's requests to it."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduler.annual import IN_PLAN, OUT_OF_PLAN, AnnualItem, findings, match, parse_period, read_annual_plan
from scheduler.cli import cli
from scheduler.errors import InputErrors
from scheduler.ledger import Ledger
from tests.conftest import EXAMPLE, NOW, WEEK, at, make_problem, make_request

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "calendars" / "annual" / "年度会议计划-2026.csv"
HEADER = "编号,单位,会议名称,会议类型,规模（参会人数）,计划季度或月份,是否全市性会议,计划次数,备注\n"


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def item(**kw) -> AnnualItem:
    fields = dict(id="P1", row=2, year=2026, unit="市发展改革委", title="全市重点项目建设推进会", kind="推进会")
    fields.update(kw)
    return AnnualItem(**fields)


@pytest.mark.parametrize("text, expected", [
    ("全年", (None, None, None)), ("", (None, None, None)), ("第一季度", (None, 1, None)), ("4季度", (None, 4, None)),
    ("Q3", (None, 3, None)), ("三季度", (None, 3, None)), ("12月", (None, None, 12)), ("十一月", (None, None, 11)),
    ("2026-03", (2026, None, 3)), ("2026年3月", (2026, None, 3)), ("３月", (None, None, 3)),
])
def test_periods(text, expected):
    assert parse_period(text) == expected


@pytest.mark.parametrize("text", ["第五季度", "13月", "上半年", "2026-13"])
def test_bad_periods(text):
    with pytest.raises(ValueError, match="不是年内的期间"):
        parse_period(text)


def test_the_sample_plan_reads(tmp_path):
    items = read_annual_plan(SAMPLE, 2026)
    assert len(items) == 17
    first = items[0]
    assert (first.id, first.unit, first.kind, first.attendees, first.times, first.period_zh) == ("P001", "市发展改革委", "推进会", 40, 4, "全年")
    assert items[4].citywide and items[4].quarter == 1 and items[4].span() == (date(2026, 1, 1), date(2026, 4, 1))
    assert items[3].month == 12 and items[3].span() == (date(2026, 12, 1), date(2027, 1, 1))


def test_every_bad_cell_is_reported_with_its_location(tmp_path):
    path = tmp_path / "plan.csv"
    path.write_text(HEADER + "P1,,会议甲,推进会,四十,全年,是,1,\nP1,市财政局,会议乙,专题会,10,第五季度,也许,0,\nP3,市财政局,会议丙,专题会,10,2025-03,否,,\n", encoding="utf-8")
    with pytest.raises(InputErrors) as caught:
        read_annual_plan(path, 2026)
    assert caught.value.lines() == [
        'plan.csv，工作表「年度会议计划」，第2行，「单位」列：为空；此列必填',
        'plan.csv，工作表「年度会议计划」，第2行，「规模（参会人数）」列：「四十」不是整数（人数），应如 30',
        'plan.csv，工作表「年度会议计划」，第3行，「编号」列：「P1」与第2行重复；编号须唯一',
        'plan.csv，工作表「年度会议计划」，第3行，「计划季度或月份」列：「第五季度」不是年内的期间；应写全年、第一季度…第四季度、Q1…Q4、1月…12月或2027-03',
        'plan.csv，工作表「年度会议计划」，第3行，「是否全市性会议」列：「也许」应填「是」或「否」',
        'plan.csv，工作表「年度会议计划」，第3行，「计划次数」列：「0」应至少为1',
        'plan.csv，工作表「年度会议计划」，第4行，「计划季度或月份」列：「2025-03」不在导入的2026年度内',
    ]
    assert caught.value.summary() == "plan.csv 中有 7 处问题；未作任何安排，也未写出任何文件。"


def test_a_missing_required_column_is_reported(tmp_path):
    path = tmp_path / "plan.csv"
    path.write_text("单位,会议名称,会议类型\n市财政局,会议,专题会\n", encoding="utf-8")
    with pytest.raises(InputErrors) as caught:
        read_annual_plan(path, 2026)
    assert caught.value.lines() == ['plan.csv，工作表「年度会议计划」，第1行：缺少「计划季度或月份」列（或英文「period」）；此列必填']


def test_english_aliases_are_accepted(tmp_path):
    path = tmp_path / "plan.csv"
    path.write_text("unit,title,kind,attendees,period,citywide\n市财政局,财政工作会议,部署会,120,Q1,是\n", encoding="utf-8")
    [only] = read_annual_plan(path, 2027)
    assert (only.id, only.unit, only.quarter, only.citywide, only.year) == ("P001", "市财政局", 1, True, 2027)


def test_same_unit_type_and_similar_title_in_period_is_in_plan():
    request = make_request("A", title="全市重点项目建设推进会（第四次）", kind="推进会", organiser="市发展改革委")
    problem = make_problem([request])
    assert match(problem, [item()])["A"].status == IN_PLAN
    assert match(problem, [item(unit="市财政局")])["A"].status == OUT_OF_PLAN
    assert match(problem, [item(quarter=1)])["A"].status == OUT_OF_PLAN  # planned for another quarter
    assert match(problem, [item(month=12)])["A"].item.id == "P1"
    assert match(problem, [item(year=2027)])["A"].status == OUT_OF_PLAN
    assert match(problem, [item(title="城市更新座谈")])["A"].status == OUT_OF_PLAN


def test_the_window_decides_the_period_across_a_month_boundary():
    request = make_request("A", title="全市重点项目建设推进会", kind="推进会", organiser="市发展改革委", earliest=date(2026, 12, 7), latest=date(2026, 12, 7))
    problem = make_problem([request])
    assert match(problem, [item(month=11)])["A"].status == OUT_OF_PLAN
    assert match(problem, [item(month=12)])["A"].status == IN_PLAN


def test_a_claim_is_verified_loosely_but_not_blindly():
    claimed = make_request("A", title="项目调度", kind="推进会", organiser="市发展改革委", in_annual_plan=True)
    problem = make_problem([claimed])
    assert match(problem, [item()])["A"].status == IN_PLAN  # same unit, type and period: the claim holds
    result = match(problem, [item(kind="座谈会")])
    assert result["A"].status == OUT_OF_PLAN
    rules = [f.rule for f in findings(problem, [item(kind="座谈会")], result)]
    assert rules == ["annual_plan_claim_unverified", "out_of_annual_plan"]


def test_out_of_plan_needs_an_urgent_reason():
    plain = make_request("A", title="城市更新座谈", kind="座谈会")
    reasoned = make_request("B", title="寒潮应对部署", kind="部署会", urgent=True, urgent_reason="寒潮预警")
    fixed = make_request("C", title="全省视频会议", kind="电视电话会议", fixed_start=at(1, "09:00"))
    returned = make_request("D", title="表彰会", kind="部署会", approval="退回")
    problem = make_problem([plain, reasoned, fixed, returned])
    items = [item()]
    found = findings(problem, items, match(problem, items))
    assert [(f.rule, f.request_id) for f in found] == [("out_of_annual_plan", "A")]
    assert found[0].message == "A「城市更新座谈」为年度计划外会议，未填紧急理由"
    assert findings(problem, [], match(problem, [])) == []  # no plan imported for the year: nothing to say


def test_plan_year_import_then_check_flags_out_of_plan(tmp_path):
    ledger = tmp_path / "ledger.sqlite"
    result = invoke("plan-year", "import", SAMPLE, "--year", 2026, "--ledger", ledger, "--now", "2026-01-05T09:00:00+08:00")
    assert result.exit_code == 0, result.output
    assert result.output == "已导入2026年度会议计划（第1次导入）：11个单位，17项会议，其中全市性会议5项\n"
    check = invoke("check", EXAMPLE, "--ledger", ledger, "--now", NOW.isoformat())
    assert check.exit_code == 0, check.output
    assert "年度计划：计划内 16 项，计划外 29 项（其中未填紧急理由 25 项）" in check.output
    assert "H02「重大项目用地用林要素保障专题会」为年度计划外会议，未填紧急理由" in check.output
    assert "H70「市委全面深化改革委员会会议」" in check.output
    assert not any("H82「" in line and "计划外" in line for line in check.output.splitlines())  # urgent with a reason
    data = json.loads(invoke("check", EXAMPLE, "--ledger", ledger, "--json").output)
    assert data["annual_plan"]["H01"] == {"status": "计划内", "item": "P001"}
    assert data["annual_plan"]["H02"] == {"status": "计划外", "item": None}


def test_a_second_import_of_the_year_replaces_the_first(tmp_path):
    ledger = tmp_path / "ledger.sqlite"
    invoke("plan-year", "import", SAMPLE, "--year", 2026, "--ledger", ledger, "--now", "2026-01-05T09:00:00+08:00")
    smaller = tmp_path / "plan.csv"
    smaller.write_text(HEADER + "P9,市财政局,财政工作会议,部署会,100,Q1,是,1,\n", encoding="utf-8")
    result = invoke("plan-year", "import", smaller, "--year", 2026, "--ledger", ledger, "--now", "2026-02-01T09:00:00+08:00")
    assert "（第2次导入）：1个单位，1项会议" in result.output
    with Ledger(ledger) as book:
        assert [row["id"] for row in book.annual_plan(2026)] == ["P9"]
        assert book.annual_plan(2027) == []


def test_bad_annual_plan_exits_2_and_records_nothing(tmp_path):
    ledger = tmp_path / "ledger.sqlite"
    bad = tmp_path / "plan.csv"
    bad.write_text(HEADER + "P1,市财政局,会议,专题会,10,第五季度,否,1,\n", encoding="utf-8")
    result = invoke("plan-year", "import", bad, "--year", 2026, "--ledger", ledger)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        'plan.csv，工作表「年度会议计划」，第2行，「计划季度或月份」列：「第五季度」不是年内的期间；应写全年、第一季度…第四季度、Q1…Q4、1月…12月或2027-03',
        "错误：plan.csv 中有 1 处问题；未作任何安排，也未写出任何文件。",
    ]
    assert not ledger.exists()
    missing = invoke("plan-year", "import", tmp_path / "nope.xlsx", "--year", 2026, "--ledger", ledger)
    assert missing.exit_code == 2 and "文件不存在" in missing.stderr and not ledger.exists()


def test_the_template_imports_back(tmp_path):
    target = tmp_path / "年度会议计划.xlsx"
    result = invoke("plan-year", "template", target, "--now", NOW.isoformat())
    assert result.exit_code == 0, result.output
    [only] = read_annual_plan(target, 2026)
    assert (only.unit, only.title, only.quarter, only.citywide) == ("市应急管理局", "全市安全生产工作会议", 1, True)
    assert invoke("plan-year", "template", target).exit_code == 2  # never overwrites


def test_publish_rows_carry_the_annual_status_and_the_class():
    from scheduler.control import Review, mark_rows
    from scheduler.annual import Match

    review = Review(matches={"A": Match(request_id="A", status=IN_PLAN)}, classes={"A": frozenset({"全部", "全市性会议"})})
    assert mark_rows([{"id": "A"}, {"id": "B"}], review) == [
        {"id": "A", "annual": "计划内", "citywide": 1}, {"id": "B", "annual": None, "citywide": None},
    ]


def test_a_week_across_new_year_is_matched_to_each_years_plan():
    from dataclasses import replace as copy

    from scheduler.control import Records, review_records

    december = make_request("A", title="全市重点项目建设推进会", kind="推进会", organiser="市发展改革委", earliest=date(2026, 12, 30), latest=date(2026, 12, 31))
    january = make_request("B", title="全市重点项目建设推进会", kind="推进会", organiser="市发展改革委", earliest=date(2027, 1, 1), latest=date(2027, 1, 2))
    problem = copy(make_problem([december, january]), week=date(2026, 12, 28))
    items = (item(year=2027, quarter=1),)
    result = review_records(problem, Records(items=items))
    assert {k: m.status for k, m in result.matches.items()} == {"A": OUT_OF_PLAN, "B": IN_PLAN}
    assert [(f.rule, f.request_id) for f in result.findings] == [("out_of_annual_plan", "A")]
