"""The commands through click's CliRunner, on real example files."""

from __future__ import annotations

import json

import pytest

from click.testing import CliRunner
from openpyxl import load_workbook

from scheduler.cli import cli
from tests.conftest import EXAMPLE, NOW
from tests.test_intake import edit


def invoke(*args):
    return CliRunner().invoke(cli, list(args))


def test_check_lists_findings():
    result = invoke("check", str(EXAMPLE), "--now", NOW.isoformat())
    assert result.exit_code == 0, result.output
    assert "2026年12月7日—12月11日，会议申请 45 项，公务接待 4 项，领导 12 位，会议室 6 间" in result.output
    assert "H83「信访积案化解专题会」逾期报送" in result.output
    assert "H78「年度工作总结表彰会」审批状态为退回" in result.output
    assert "H05「政府债务风险化解专题会」拟用120分钟，将压缩至专题会上限90分钟" in result.output


def test_check_json():
    result = invoke("check", str(EXAMPLE), "--json")
    data = json.loads(result.output)
    assert data["requests"] == 45 and any(f["rule"] == "late_submission" for f in data["findings"])


def test_bad_input_exits_2_with_one_line_per_problem_and_writes_nothing(example_copy, tmp_path):
    edit(example_copy, "会议申请.csv", "H01", "拟用时长", "九十")
    edit(example_copy, "会议申请.csv", "H02", "主持领导", "王志钢")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["plan", str(example_copy), "-o", str(out)])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0] == "会议申请.csv，工作表「会议申请」，第2行，「拟用时长」列：「九十」不是时长，应如 90、90分钟、1.5小时、1小时30分"
    assert lines[1] == "会议申请.csv，工作表「会议申请」，第3行，「主持领导」列：「王志钢」不是「领导」表中的领导，是否为「王志刚」？"
    assert lines[2] == f"错误：{example_copy} 中有 2 处问题；未作任何安排，也未写出任何文件。"
    assert "Traceback" not in result.output
    assert not out.exists()


def test_calendar_gap_exits_2_with_advice(example_copy):
    (example_copy / "week.toml").write_text("week = 2031-01-06\n", encoding="utf-8")
    result = invoke("check", str(example_copy))
    assert result.exit_code == 2
    assert "没有 2031 年" in result.stderr and "[calendar]" in result.stderr


def test_missing_folder_exits_2(tmp_path):
    result = invoke("check", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{tmp_path / 'nope'}：找不到此文件夹；应为一周的文件夹（内有 week.toml 和工作簿或 CSV）",
        f"错误：{tmp_path / 'nope'} 中有 1 处问题；未作任何安排，也未写出任何文件。",
    ]


def test_template_writes_a_workbook_with_dropdowns_that_check_reads(tmp_path):
    target = tmp_path / "next-week"
    result = invoke("template", str(target), "--now", NOW.isoformat())
    assert result.exit_code == 0, result.output
    wb = load_workbook(target / "week.xlsx")
    assert wb.sheetnames == ["会议申请", "公务接待", "领导", "会议室", "已有日程", "填写示例"]
    headers = [c.value for c in wb["会议申请"][1]]
    assert headers[:4] == ["编号", "会议名称", "会议类型", "主办单位"]
    assert wb["会议申请"].max_row == 1  # the example rows live on 填写示例 only
    lists = {str(dv.sqref).split(":")[0][:-1]: dv.formula1 for dv in wb["会议申请"].data_validations.dataValidation}
    col = {h: chr(ord("A") + i) if i < 26 else "A" + chr(ord("A") + i - 26) for i, h in enumerate(headers)}
    assert lists[col["可否套开"]] == '"是,否"'
    assert lists[col["时段"]] == '"上午,下午,不限"'
    assert lists[col["会议形式"]] == '"现场,视频,电视电话"'
    assert "专题会" in lists[col["会议类型"]] and "常委会" in lists[col["会议类型"]]
    examples = [row for row in wb["填写示例"].iter_rows(values_only=True) if row[0] == "H01"]
    assert examples and examples[0][12] == "2026-12-07"
    toml = (target / "week.toml").read_text(encoding="utf-8")
    # NOW is Friday 2026-12-04: the coming week starts Monday 2026-12-07, due by Thursday 24:00 before it.
    assert "week = 2026-12-07" in toml and "deadline = 2026-12-04T00:00:00" in toml and "no_meeting_days = []" in toml
    check = invoke("check", str(target), "--now", NOW.isoformat())
    assert check.exit_code == 0, check.output
    assert "会议申请 0 项" in check.output
    again = invoke("template", str(target))
    assert again.exit_code == 2 and "已有 week.xlsx" in again.stderr


def test_template_is_for_the_week_after_now_with_the_no_meeting_days_asked(tmp_path):
    result = invoke("template", str(tmp_path / "w"), "--now", "2027-03-10T09:00:00+08:00", "--no-meeting-day", "周三", "--no-meeting-day", "fri")
    assert result.exit_code == 0, result.output
    toml = (tmp_path / "w" / "week.toml").read_text(encoding="utf-8")
    assert "week = 2027-03-15" in toml and "deadline = 2027-03-12T00:00:00" in toml and 'no_meeting_days = ["周三", "周五"]' in toml
    bad = invoke("template", str(tmp_path / "x"), "--no-meeting-day", "礼拜三")
    assert bad.exit_code == 2 and "「礼拜三」不是星期几" in bad.stderr and not (tmp_path / "x").exists()


def test_plan_json_output_and_files(tmp_path):
    result = invoke("-q", "plan", str(EXAMPLE), "-o", str(tmp_path), "--now", NOW.isoformat(), "--json", "--time-limit", "20")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["requests"] == 45 and data["sittings"] < 45 and data["combined_items"] >= 10
    for name in ("plan.json", "plan.xlsx", "report.html", "all.ics", "leaders/L01.ics", "rooms/R01.ics"):
        assert (tmp_path / name).exists(), name
    wb = load_workbook(tmp_path / "plan.xlsx")
    assert wb.sheetnames[0] == "一周会议安排表" and wb.sheetnames[1] == "陈国强" and wb.sheetnames[-1] == "调整及未安排说明"
    assert [c.value for c in wb["一周会议安排表"][3]] == ["日期", "星期", "时间", "会议名称", "地点", "主持", "出席领导", "参会单位", "承办单位（联系人）"]
    rows = list(wb["调整及未安排说明"].iter_rows(min_row=3, values_only=True))
    assert any(r[0] == "H14" and r[3] == "无法安排" and "孙海涛" in r[6] for r in rows)
    assert len(list((tmp_path / "notices").glob("*.docx"))) == data["sittings"]


def test_progress_goes_to_stderr(tmp_path):
    result = invoke("plan", str(EXAMPLE), "-o", str(tmp_path), "--now", NOW.isoformat())
    assert result.exit_code == 0
    assert "正在排定2026年12月7日—12月11日的 45 项会议申请" in result.stderr
    assert "求解中：已用" in result.stderr
    assert "会议申请 45 项" in result.stdout and "正在排定" not in result.stdout and "求解中" not in result.stdout


def test_bad_now_is_a_usage_error():
    result = invoke("plan", "--now", "tomorrow")
    assert result.exit_code == 2 and "不是 ISO 日期时间" in result.output


def test_check_reports_a_chair_away_all_week_and_a_meeting_no_room_holds(example_copy):
    with open(example_copy / "已有日程.csv", "a", encoding="utf-8") as f:
        f.write("何永清,2026-12-07 08:00,2026-12-11 18:00,赴外地学习,是\n")
    edit(example_copy, "会议申请.csv", "H76", "参会人数", "120")
    result = invoke("check", str(example_copy), "--now", NOW.isoformat())
    assert result.exit_code == 0, result.output
    assert "H77「机关节能降耗工作会」在申请范围内没有可用时间：何永清已有日程「赴外地学习」（12月7日（周一）08:00至12月11日（周五）18:00，外出）" in result.output
    assert "H76「12345热线工单办理调度会」参会120人，没有容纳得下的会议室" in result.output


def test_publish_and_diff_refuse_what_is_not_a_plan(tmp_path):
    (tmp_path / "plan.json").write_text('{"hello": 1}', encoding="utf-8")
    for args in (["publish", str(tmp_path), "--ledger", str(tmp_path / "l.sqlite")], ["diff", str(tmp_path), str(tmp_path)]):
        result = invoke(*args)
        assert result.exit_code == 2 and "不是 scheduler plan 生成的 plan.json" in result.stderr
    result = invoke("publish", str(tmp_path / "missing"))
    assert result.exit_code == 2 and "找不到方案文件" in result.stderr


@pytest.mark.parametrize("broken", [
    '{"schema": "scheduler.plan/1", "week": "2026-12-07"}',
    '{"schema": "scheduler.plan/1", "week": "not a date", "sittings": [], "requests": [], "solver": {"status": "x"}}',
    '{"schema": "scheduler.plan/1", "week": "2026-12-07", "sittings": [{"items": [{"request_id": "H01", "start": 5}]}], "requests": [], "solver": {}}',
    '{"schema": "scheduler.plan/1", "week": "2026-12-07", "sittings": 3, "requests": [], "solver": {}}',
])
def test_a_malformed_plan_json_gets_one_chinese_line(tmp_path, broken):
    (tmp_path / "plan.json").write_text(broken, encoding="utf-8")
    for args in (["publish", str(tmp_path), "--ledger", str(tmp_path / "l.sqlite")], ["diff", str(tmp_path), str(tmp_path)], ["whatif", str(tmp_path), "-o", str(tmp_path / "v")]):
        result = invoke(*args)
        assert result.exit_code == 2 and "plan.json" in result.stderr, (args, result.output)
        assert "Traceback" not in result.output
    assert not (tmp_path / "l.sqlite").exists() and not (tmp_path / "v").exists()


def test_diff_of_two_different_weeks_is_refused(tmp_path):
    from scheduler.outputs import render
    from tests.conftest import make_plan, make_problem

    week = json.loads(render(make_problem([]), make_plan(), NOW, workbook=False)["plan.json"])
    (tmp_path / "a.json").write_text(json.dumps(week), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps(week | {"week": "2026-12-14"}), encoding="utf-8")
    result = invoke("diff", str(tmp_path / "a.json"), str(tmp_path / "b.json"))
    assert result.exit_code == 2 and "不是同一周" in result.stderr


def test_the_template_week_toml_is_the_example_weeks():
    from datetime import date

    from scheduler.template import week_toml

    assert week_toml(date(2026, 12, 7), no_meeting_days=("周三",)) == (EXAMPLE / "week.toml").read_text(encoding="utf-8")
