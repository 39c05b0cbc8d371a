"""One test per kind of bad input, each checking the exact message (file, sheet, row, column)."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from openpyxl import Workbook

from scheduler.errors import CalendarDataMissing, ConfigError, InputErrors
from scheduler.intake import load_week
from tests.conftest import NOW


def rows(folder, name):
    with open(folder / name, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def save(folder, name, table, encoding="utf-8-sig"):
    with open(folder / name, "w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(table)


def edit(folder, name, key, column, value):
    """Set one cell, found by the first column's value and the header; returns its Excel row."""
    table = rows(folder, name)
    col = table[0].index(column)
    for n, row in enumerate(table):
        if row[0] == key:
            row[col] = value
            save(folder, name, table)
            return n + 1
    raise KeyError(key)


def problems(folder) -> list[str]:
    with pytest.raises(InputErrors) as info:
        load_week(folder, today=NOW.date())
    return info.value.lines()


def only(folder) -> str:
    lines = problems(folder)
    assert len(lines) == 1, lines
    return lines[0]


REQ = "会议申请.csv"


@pytest.mark.parametrize(
    "key,column,value,message",
    [
        ("H01", "拟用时长", "九十分钟", '"九十分钟" is not a duration (e.g. 90, 90分钟, 1.5小时, 1小时30分)'),
        ("H01", "最短时长", "120", '"120" is longer than 拟用时长 (90 minutes)'),
        ("H01", "最晚日期", "2026-12-06", '"2026-12-06" is before 最早日期 (2026-12-07); the window is impossible'),
        ("H01", "最早日期", "12月32日", '"12月32日" is not a date (e.g. 2026-12-01, 2026/12/1, 12月1日)'),
        ("H01", "主持领导", "王志钢", '"王志钢" is not a leader in the sheet "领导"; did you mean 王志刚?'),
        ("H01", "会议类型", "专题会议", '"专题会议" is not a configured meeting type (常务会、专题会、调度会、推进会、座谈会、培训会、部署会、联席会议、协调会、汇报会、电视电话会议); did you mean 专题会?'),
        ("H01", "时段", "晚上", '"晚上" is not one of 上午/下午/不限'),
        ("H01", "会议形式", "线上", '"线上" is not one of 现场/视频/电视电话'),
        ("H01", "可否套开", "可以", '"可以" is not 是 or 否'),
        ("H01", "参会人数", "三十人", '"三十人" is not a whole number of 人 (e.g. 30)'),
        ("H01", "会议名称", "", "is empty; a value is required"),
        ("H01", "拟与何会套开", "H99", '"H99" is not the 编号 of a request in this sheet'),
        ("H01", "固定时间", "2026-12-20 9:00", '"2026-12-20 9:00" is outside the planned week 2026-12-07..2026-12-13'),
        ("H01", "固定时间", "下周二上午", '"下周二上午" is not a date and time (e.g. 2026-12-08 9:00, 12月8日下午3点)'),
        ("H01", "审批状态", "通过", '"通过" is not one of 待审/同意/退回'),
        ("H01", "报送时间", "昨天", '"昨天" is not a date (e.g. 2026-12-01, 2026/12/1, 12月1日)'),
    ],
)
def test_bad_request_cell(example_copy, key, column, value, message):
    row = edit(example_copy, REQ, key, column, value)
    assert only(example_copy) == f'{REQ}, sheet "会议申请", row {row}, column "{column}": {message}'


def test_unknown_attending_leader_lists_each_name(example_copy):
    row = edit(example_copy, REQ, "H01", "出席领导", "杨文斌、李四")
    assert only(example_copy) == (
        f'{REQ}, sheet "会议申请", row {row}, column "出席领导": "杨文斌、李四" names unknown leaders: '
        '"李四" is not a leader in the sheet "领导"; add them to the sheet "领导" first'
    )


def test_duplicate_request_id(example_copy):
    row = edit(example_copy, REQ, "H03", "编号", "H01")
    assert only(example_copy) == f'{REQ}, sheet "会议申请", row {row}, column "编号": "H01" is already used in row 2; ids must be unique'


def test_window_outside_the_week(example_copy):
    edit(example_copy, REQ, "H01", "最晚日期", "2026-12-25")
    row = edit(example_copy, REQ, "H01", "最早日期", "2026-12-20")
    assert only(example_copy) == f'{REQ}, sheet "会议申请", row {row}, column "最早日期": "2026-12-20" puts the window outside the planned week 2026-12-07..2026-12-13'


def test_bad_room_capacity(example_copy):
    row = edit(example_copy, "会议室.csv", "R03", "容纳人数", "约30")
    assert only(example_copy) == f'会议室.csv, sheet "会议室", row {row}, column "容纳人数": "约30" is not a whole number of 人 (e.g. 30)'


def test_bad_leader_rank_and_pair(example_copy):
    row = edit(example_copy, "领导.csv", "L05", "排序", "第五")
    edit(example_copy, "领导.csv", "L06", "AB角", "L99")
    assert problems(example_copy) == [
        f'领导.csv, sheet "领导", row {row}, column "排序": "第五" is not a whole number (e.g. 30)',
        f'领导.csv, sheet "领导", row {row + 1}, column "AB角": "L99" is not the 编号 of a leader in this sheet',
    ]


def test_reception_bad_time_and_order(example_copy):
    row = edit(example_copy, "公务接待.csv", "J01", "开始时间", "25:00")
    row2 = edit(example_copy, "公务接待.csv", "J02", "结束时间", "上午8:00")
    assert problems(example_copy) == [
        f'公务接待.csv, sheet "公务接待", row {row}, column "开始时间": "25:00" is not a time of day (e.g. 9:00, 9点, 上午9:30, 下午3点)',
        f'公务接待.csv, sheet "公务接待", row {row2}, column "结束时间": "上午8:00" is not after 开始时间 (09:00)',
    ]


def test_commitment_end_before_start(example_copy):
    table = rows(example_copy, "已有日程.csv")
    table[1][2] = "2026-12-09 08:00"
    save(example_copy, "已有日程.csv", table)
    assert only(example_copy) == '已有日程.csv, sheet "已有日程", row 2, column "结束": "2026-12-09 08:00" is not after 开始 (2026-12-10 08:00)'


def test_missing_required_column(example_copy):
    table = rows(example_copy, REQ)
    col = table[0].index("主持领导")
    save(example_copy, REQ, [r[:col] + r[col + 1 :] for r in table])
    assert problems(example_copy)[0] == f'{REQ}, sheet "会议申请", row 1: has no column "主持领导" (or "chair"); it is required'


def test_missing_required_sheet(example_copy):
    (example_copy / "会议室.csv").unlink()
    assert only(example_copy).startswith(f"{example_copy}: has no 会议室.csv (or rooms.csv) and no workbook")


def test_busy_calendar_not_named_after_a_leader(example_copy):
    (example_copy / "busy" / "刘卫东.ics").rename(example_copy / "busy" / "刘卫冬.ics")
    assert only(example_copy) == 'busy/刘卫冬.ics: is not named after a leader (file name = 姓名, 编号 or 邮箱 from the sheet "领导"); did you mean 刘卫东.ics?'


def test_unreadable_busy_calendar(example_copy):
    (example_copy / "busy" / "刘卫东.ics").write_text("BEGIN:VCALENDAR\nnot a calendar", encoding="utf-8")
    assert only(example_copy).startswith("busy/刘卫东.ics: is not a readable iCalendar file")


def test_all_problems_of_a_run_are_listed_together(example_copy):
    edit(example_copy, REQ, "H01", "拟用时长", "九十")
    edit(example_copy, REQ, "H02", "主持领导", "王五")
    edit(example_copy, "会议室.csv", "R01", "视频会议", "有")
    with pytest.raises(InputErrors) as info:
        load_week(example_copy, today=NOW.date())
    assert len(info.value.problems) == 3
    assert info.value.summary() == "3 problems in week; nothing was scheduled."


def test_english_headers_gb18030_and_full_width_values(example_copy):
    table = rows(example_copy, REQ)
    aliases = {"编号": "id", "会议名称": "title", "拟用时长": "minutes", "参会人数": "attendees"}
    table[0] = [aliases.get(h, h) for h in table[0]]
    table[1][table[0].index("minutes")] = "１小时３０分"
    table[1][table[0].index("attendees")] = " ３５ "
    (example_copy / REQ).unlink()
    save(example_copy, "requests.csv", table, encoding="gb18030")
    problem = load_week(example_copy, today=NOW.date())
    h01 = problem.request_index["H01"]
    assert (h01.minutes, h01.attendees) == (90, 35)
    assert "各县（市、区）政府" in problem.request_index["H80"].units


def as_workbook(folder) -> Workbook:
    """The folder's CSV sheets as one workbook (the CSV files are removed)."""
    wb = Workbook()
    wb.remove(wb.active)
    for name in ("会议申请", "公务接待", "领导", "会议室", "已有日程"):
        ws = wb.create_sheet(name)
        for row in rows(folder, f"{name}.csv"):
            ws.append(row)
        (folder / f"{name}.csv").unlink()
    return wb


def test_workbook_reports_sheet_and_row(example_copy):
    wb = as_workbook(example_copy)
    ws = wb["会议申请"]
    ws.cell(row=5, column=11).value = "很久"
    wb.save(example_copy / "week.xlsx")
    assert only(example_copy) == 'week.xlsx, sheet "会议申请", row 5, column "拟用时长": "很久" is not a duration (e.g. 90, 90分钟, 1.5小时, 1小时30分)'


def test_workbook_and_csv_give_the_same_week(example_copy, example_problem):
    wb = as_workbook(example_copy)
    wb.save(example_copy / "anything.xlsx")
    problem = load_week(example_copy, today=NOW.date())
    assert problem.requests == example_problem.requests
    strip = lambda cs: [(c.leader, c.start, c.end, c.title, c.away) for c in cs]  # noqa: E731
    assert strip(problem.commitments) == strip(example_problem.commitments)


def test_busy_ics_recurring_events_are_expanded(example_problem):
    mine = [c for c in example_problem.commitments if c.source == "busy/刘卫东.ics"]
    assert [(c.start.isoformat(), c.title) for c in mine] == [
        ("2026-12-07T08:30:00+08:00", "市长办公会（每周例会）"),
        ("2026-12-10T14:30:00+08:00", "领导接访日"),
    ]


@pytest.mark.parametrize(
    "toml,message",
    [
        ("colour = 1\n", "week.toml: unknown key(s) colour; known keys:"),
        ("week = 2026-12-08\n", "week.toml: week = 2026-12-08 is a 周二, not a Monday (周一)"),
        ('no_meeting_days = ["礼拜三"]\n', "week.toml: no_meeting_days: '礼拜三' is not a weekday (周一..周日 or mon..sun)"),
        ("grain_minutes = 7\n", "week.toml: grain_minutes = 7 is not one of 5, 10, 15, 20, 30, 60"),
        ('[office_hours]\nmorning = "12:00-08:30"\n', "week.toml: [office_hours] morning = '12:00-08:30' ends before it starts"),
        ("week = \n", "week.toml: not valid TOML"),
    ],
)
def test_bad_week_toml(example_copy, toml, message):
    (example_copy / "week.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_week(example_copy, today=NOW.date())
    assert str(info.value).startswith(message)


def test_week_beyond_the_installed_calendar_asks_for_the_days(example_copy):
    (example_copy / "week.toml").write_text("week = 2030-01-07\n", encoding="utf-8")
    for name in ("会议申请.csv", "公务接待.csv", "已有日程.csv"):
        table = rows(example_copy, name)
        save(example_copy, name, table[:1])
    with pytest.raises(CalendarDataMissing) as info:
        load_week(example_copy, today=NOW.date())
    assert "has no data for 2030" in str(info.value) and "[calendar]" in str(info.value)
    # Listing the days in week.toml makes the week plannable.
    (example_copy / "week.toml").write_text("week = 2030-01-07\n[calendar]\nholidays = [2030-01-01]\n", encoding="utf-8")
    problem = load_week(example_copy, today=NOW.date())
    assert [d.date for d in problem.days] == [date(2030, 1, d) for d in range(7, 12)]


def test_missing_week_toml_means_defaults_and_the_coming_week(example_copy):
    (example_copy / "week.toml").unlink()
    for name in ("会议申请.csv", "公务接待.csv", "已有日程.csv"):
        save(example_copy, name, rows(example_copy, name)[:1])
    problem = load_week(example_copy, today=date(2026, 12, 3))
    assert problem.week == date(2026, 12, 7)
    assert problem.settings.grain_minutes == 15
