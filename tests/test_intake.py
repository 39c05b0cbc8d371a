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
        ("H01", "拟用时长", "九十分钟", "「九十分钟」不是时长，应如 90、90分钟、1.5小时、1小时30分"),
        ("H01", "最短时长", "120", "「120」长于拟用时长（90分钟）"),
        ("H01", "最晚日期", "2026-12-06", "「2026-12-06」早于最早日期（2026-12-07），时间窗不成立"),
        ("H01", "最早日期", "12月32日", "「12月32日」不是日期，应如 2026-12-01、2026/12/1、12月1日"),
        ("H01", "主持领导", "王志钢", "「王志钢」不是「领导」表中的领导，是否为「王志刚」？"),
        ("H01", "会议类型", "专题会议", "「专题会议」不是已配置的会议类型，是否为「专题会」？"),
        ("H01", "会议类型", "常委会会议", "「常委会会议」不是已配置的会议类型，是否为「常委会」？"),
        ("H01", "时段", "晚上", "「晚上」不是可选的值（上午、下午、不限）"),
        ("H01", "会议形式", "线上", "「线上」不是可选的值（现场、视频、电视电话）"),
        ("H01", "可否套开", "可以", "「可以」应填「是」或「否」"),
        ("H01", "参会人数", "三十人", "「三十人」不是整数（人数），应如 30"),
        ("H01", "参会人数", "1000000", "「1000000」超过上限 100000"),
        ("H01", "拟用时长", "30小时", "「30小时」超过一天（1440分钟）"),
        ("H01", "会议名称", "", "为空；此列必填"),
        ("H01", "拟与何会套开", "H99", "「H99」不是本表中会议申请的编号"),
        ("H01", "固定时间", "2026-12-20 9:00", "「2026-12-20 9:00」不在计划周（2026-12-07至2026-12-13）内"),
        ("H01", "固定时间", "下周二上午", "「下周二上午」不是日期加时刻，应如 2026-12-08 9:00、12月8日下午3点"),
        ("H01", "审批状态", "通过", "「通过」不是可选的值（待审、同意、退回）"),
        ("H01", "报送时间", "昨天", "「昨天」不是日期，应如 2026-12-01、2026/12/1、12月1日"),
        ("H01", "会议名称", "推进会\x00", "「推进会\\u0000」含有不可见的控制字符（U+0000）；请删除后再保存"),
        ("H01", "参会单位", "市财政局\n市住建局", "「市财政局\\u000a市住建局」含有换行；此列只能写一行（多个值用 、 分隔）"),
        ("H01", "备注", "x" * 2001, f"「{'x' * 60}…」有 2001 个字符，超过单元格上限 2000 个字符"),
    ],
)
def test_bad_request_cell(example_copy, key, column, value, message):
    row = edit(example_copy, REQ, key, column, value)
    assert only(example_copy) == f"{REQ}，工作表「会议申请」，第{row}行，「{column}」列：{message}"


def test_unknown_attending_leader_lists_each_name(example_copy):
    row = edit(example_copy, REQ, "H01", "出席领导", "杨文斌、李四")
    assert only(example_copy) == f"{REQ}，工作表「会议申请」，第{row}行，「出席领导」列：「李四」不是「领导」表中的领导；请先在「领导」表中添加"


def test_duplicate_request_id(example_copy):
    row = edit(example_copy, REQ, "H03", "编号", "H01")
    assert only(example_copy) == f"{REQ}，工作表「会议申请」，第{row}行，「编号」列：「H01」与第2行重复；编号须唯一"


def test_window_outside_the_week(example_copy):
    edit(example_copy, REQ, "H01", "最晚日期", "2026-12-25")
    row = edit(example_copy, REQ, "H01", "最早日期", "2026-12-20")
    assert only(example_copy) == f"{REQ}，工作表「会议申请」，第{row}行，「最早日期」列：「2026-12-20」使时间窗落在计划周（2026-12-07至2026-12-13）之外"


def test_bad_room_capacity(example_copy):
    row = edit(example_copy, "会议室.csv", "R03", "容纳人数", "约30")
    assert only(example_copy) == f"会议室.csv，工作表「会议室」，第{row}行，「容纳人数」列：「约30」不是整数（人数），应如 30"


def test_bad_leader_rank_and_pair(example_copy):
    row = edit(example_copy, "领导.csv", "L05", "排序", "第五")
    edit(example_copy, "领导.csv", "L06", "AB角", "L99")
    assert problems(example_copy) == [
        f"领导.csv，工作表「领导」，第{row}行，「排序」列：「第五」不是整数，应如 30",
        f"领导.csv，工作表「领导」，第{row + 1}行，「AB角」列：「L99」不是本表中领导的编号",
    ]


def test_reception_bad_time_and_order(example_copy):
    row = edit(example_copy, "公务接待.csv", "J01", "开始时间", "25:00")
    row2 = edit(example_copy, "公务接待.csv", "J02", "结束时间", "上午8:00")
    assert problems(example_copy) == [
        f"公务接待.csv，工作表「公务接待」，第{row}行，「开始时间」列：「25:00」不是时刻，应如 9:00、9点、上午9:30、下午3点",
        f"公务接待.csv，工作表「公务接待」，第{row2}行，「结束时间」列：「上午8:00」不晚于开始时间（09:00）",
    ]


def test_commitment_end_before_start(example_copy):
    table = rows(example_copy, "已有日程.csv")
    table[1][2] = "2026-12-09 08:00"
    save(example_copy, "已有日程.csv", table)
    assert only(example_copy) == "已有日程.csv，工作表「已有日程」，第2行，「结束」列：「2026-12-09 08:00」不晚于开始（2026-12-10 08:00）"


def test_missing_required_column(example_copy):
    table = rows(example_copy, REQ)
    col = table[0].index("主持领导")
    save(example_copy, REQ, [r[:col] + r[col + 1 :] for r in table])
    assert problems(example_copy)[0] == f"{REQ}，工作表「会议申请」，第1行：缺少「主持领导」列（或英文「chair」）；此列必填"


def test_missing_required_sheet(example_copy):
    (example_copy / "会议室.csv").unlink()
    assert only(example_copy) == "week：没有 会议室.csv（或 rooms.csv），也没有工作簿；可运行 scheduler template 生成空白模板"


def test_busy_calendar_not_named_after_a_leader(example_copy):
    (example_copy / "busy" / "刘卫东.ics").rename(example_copy / "busy" / "刘卫冬.ics")
    assert only(example_copy) == "busy/刘卫冬.ics：不是以领导命名的文件（文件名应为「领导」表中的姓名、编号或邮箱），是否为「刘卫东.ics」？"


def test_unreadable_busy_calendar(example_copy):
    (example_copy / "busy" / "刘卫东.ics").write_text("BEGIN:VCALENDAR\nnot a calendar", encoding="utf-8")
    assert only(example_copy) == "busy/刘卫东.ics：不是可读的 iCalendar（.ics）文件；请从日历软件重新导出"


def test_all_problems_of_a_run_are_listed_together(example_copy):
    edit(example_copy, REQ, "H01", "拟用时长", "九十")
    edit(example_copy, REQ, "H02", "主持领导", "王五")
    edit(example_copy, "会议室.csv", "R01", "视频会议", "有")
    with pytest.raises(InputErrors) as info:
        load_week(example_copy, today=NOW.date())
    assert len(info.value.problems) == 3
    assert info.value.summary() == "week 中有 3 处问题；未作任何安排，也未写出任何文件。"


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
    assert only(example_copy) == "week.xlsx，工作表「会议申请」，第5行，「拟用时长」列：「很久」不是时长，应如 90、90分钟、1.5小时、1小时30分"


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
        ("colour = 1\n", "week.toml，设置项 colour：是未知的设置项；可用的设置项："),
        ("week = 2026-12-08\n", "week.toml，设置项 week：「2026-12-08」是周二，不是周一；应写计划周的周一"),
        ("week = 9999-12-27\n", "week.toml，设置项 week：「9999-12-27」超出可排的范围（2000-01-03 至 2099-12-28）"),
        ('no_meeting_days = ["礼拜三"]\n', "week.toml，设置项 no_meeting_days：「礼拜三」不是星期几；应写 周一 至 周日，或 mon 至 sun"),
        ("grain_minutes = 7\n", "week.toml，设置项 grain_minutes：「7」应为 5、10、15、20、30、60 之一（分钟）"),
        ('[office_hours]\nmorning = "12:00-08:30"\n', "week.toml，设置项 office_hours.morning：「12:00-08:30」结束时刻不晚于开始时刻，应如 08:30-12:00"),
        ('[office_hours]\nafternoon = "11:00-13:00"\n', "week.toml，设置项 office_hours.afternoon：「11:00-13:00」早于或重叠上午时段（08:30-12:00）；下午须在上午结束之后开始"),
        ('[office_hours]\nmorning = "14:00-16:00"\nafternoon = "08:30-12:00"\n', "week.toml，设置项 office_hours.afternoon：「08:30-12:00」早于或重叠上午时段（14:00-16:00）；下午须在上午结束之后开始"),
        ('[office_hours]\nmornin = "08:00-11:30"\n', "week.toml，设置项 office_hours.mornin：是未知的设置项；是否为「office_hours.morning」？"),
        ("[calendar]\nholiday = [2026-12-08]\n", "week.toml，设置项 calendar.holiday：是未知的设置项；是否为「calendar.holidays」？"),
        ("calendar = 5\n", "week.toml，设置项 calendar：「5」应为一个表（如 [calendar]），而不是数字"),
        ("office_hours = 5\n", "week.toml，设置项 office_hours：「5」应为一个表（如 [office_hours]），而不是数字"),
        ('[office_hours]\nsummer = "x"\n', "week.toml，设置项 office_hours.summer：「x」应为一个表（如 [office_hours.summer]），而不是文字"),
        ("seed = 99999999999999999\n", "week.toml，设置项 seed：「99999999999999999」超出允许范围（0 至 2147483647）"),
        ("travel_buffer_minutes = 100000000\n", "week.toml，设置项 travel_buffer_minutes：「100000000」超出允许范围（0 至 240）"),
        ("time_limit_seconds = inf\n", "week.toml，设置项 time_limit_seconds：「inf」超出允许范围（0.1 至 3600）"),
        ("time_limit_seconds = \"30\"\n", "week.toml，设置项 time_limit_seconds：「30」应为数字，而不是文字"),
        ('[kinds."专题会"]\nmin_minutes = 120\n', 'week.toml，设置项 kinds."专题会".min_minutes：「120」大于 max_minutes（90）'),
        ('[kinds."专题会"]\nmax_minute = 60\n', 'week.toml，设置项 kinds."专题会".max_minute：是未知的设置项；是否为「kinds."专题会".max_minutes」？'),
        ("[calendar]\nholidays = [2026-12-08]\nworkdays = [2026-12-08]\n", "week.toml，设置项 calendar.workdays：与 holidays 有相同的日期（2026-12-08）；一天不能既放假又上班"),
        ("week = \n", "week.toml：第1行第8列附近不符合 TOML 格式"),
        ("\ufeffweek = 2026-12-07\x01\n", "week.toml：含有不可见的控制字符（U+0001）"),
    ],
)
def test_bad_week_toml(example_copy, toml, message):
    (example_copy / "week.toml").write_text(toml, encoding="utf-8")
    assert only(example_copy).startswith(message)


def test_every_week_toml_problem_is_listed_together(example_copy):
    (example_copy / "week.toml").write_text("calendar = 5\nseed = -1\n[office_hours]\nmornin = 1\n", encoding="utf-8")
    assert len(problems(example_copy)) == 3


def test_week_beyond_the_installed_calendar_asks_for_the_days(example_copy):
    (example_copy / "week.toml").write_text("week = 2030-01-07\n", encoding="utf-8")
    for name in ("会议申请.csv", "公务接待.csv", "已有日程.csv"):
        table = rows(example_copy, name)
        save(example_copy, name, table[:1])
    with pytest.raises(CalendarDataMissing) as info:
        load_week(example_copy, today=NOW.date())
    assert "没有 2030 年" in str(info.value) and "[calendar]" in str(info.value)
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
