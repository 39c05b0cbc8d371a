"""One test per kind of bad input, each checking the exact message (file, sheet, row, column)."""

from __future__ import annotations

import csv
import os
from datetime import date

import pytest
from openpyxl import Workbook

from scheduler.errors import CalendarDataMissing, ConfigError, InputErrors
from scheduler import intake
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
    # told once on the header row, not again as an empty cell on every row
    assert problems(example_copy) == [f"{REQ}，工作表「会议申请」，第1行：缺少「主持领导」列（或英文「chair」）；此列必填"]


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
    assert info.value.summary() == f"{example_copy} 中有 3 处问题；未作任何安排，也未写出任何文件。"


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


def test_a_formula_without_a_computed_value_is_not_called_empty(example_copy):
    # A workbook written by a program (openpyxl here) holds formulas but no computed values until
    # someone opens and saves it in Excel or WPS; read with data_only, such a cell is None.
    wb = as_workbook(example_copy)
    ws = wb["会议申请"]
    column = [c.value for c in ws[1]].index("会议名称") + 1
    ws.cell(row=2, column=column).value = '="关于"&"城市更新"'
    ws.cell(row=3, column=column + 1).value = "=1+1"  # an optional column: reported as well, never read as empty
    wb.save(example_copy / "week.xlsx")
    lines = problems(example_copy)
    fix = "是公式，但文件中没有它的计算结果（文件由程序生成，未在 Excel 或 WPS 中打开保存过）；请用 Excel 或 WPS 打开此文件、保存后再试"
    header = ws.cell(row=1, column=column + 1).value
    assert lines == [
        f"week.xlsx，工作表「会议申请」，第2行，「会议名称」列：「=\"关于\"&\"城市更新\"」{fix}",
        f"week.xlsx，工作表「会议申请」，第3行，「{header}」列：「=1+1」{fix}",
    ]
    assert not any("为空" in line for line in lines)


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
        ("room_size_choices = 0\n", "week.toml，设置项 room_size_choices：「0」超出允许范围（1 至 20）"),
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


# --- files: only bounded regular files inside the folder are read --------------------------------


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n  \r\n"])
@pytest.mark.parametrize("name", [REQ, "公务接待.csv"])
def test_empty_or_bom_only_csv(example_copy, name, content):
    (example_copy / name).write_bytes(content)
    assert only(example_copy) == f"{name}：是空文件，连标题行也没有；不用此表就删去该文件，用则至少保留标题行"


def test_a_folder_where_a_file_is_expected(example_copy):
    (example_copy / "公务接待.csv").unlink()
    (example_copy / "公务接待.csv").mkdir()
    assert only(example_copy) == "公务接待.csv：是文件夹，不是文件"


def test_a_fifo_is_never_opened(example_copy):
    (example_copy / REQ).unlink()
    os.mkfifo(example_copy / REQ)
    assert only(example_copy) == f"{REQ}：不是普通文件（可能是管道或设备），不予读取"


def test_links_out_of_the_folder_are_refused_links_inside_are_read(example_copy, tmp_path):
    outside = tmp_path / "elsewhere.csv"
    (example_copy / "公务接待.csv").rename(outside)
    (example_copy / "公务接待.csv").symlink_to(outside)
    assert only(example_copy) == "公务接待.csv：是指向文件夹外的链接；只读取本文件夹内的普通文件"
    (example_copy / "公务接待.csv").unlink()
    outside.rename(example_copy / "receptions-data.csv")
    (example_copy / "公务接待.csv").symlink_to(example_copy / "receptions-data.csv")
    assert len(load_week(example_copy, today=NOW.date()).receptions) == 4


def test_busy_calendar_linked_to_a_device(example_copy):
    (example_copy / "busy" / "刘卫东.ics").unlink()
    (example_copy / "busy" / "刘卫东.ics").symlink_to("/dev/zero")
    assert only(example_copy) == "busy/刘卫东.ics：是指向文件夹外的链接；只读取本文件夹内的普通文件"


def test_unreadable_file(example_copy, monkeypatch):
    def refuse(path, *args, **kw):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(intake, "open", refuse, raising=False)  # chmod 0 does not stop root
    assert only(example_copy) == "week.toml：无法读取（没有读取权限）"


def test_files_over_the_size_limit(example_copy):
    with open(example_copy / REQ, "ab") as f:
        f.truncate(intake.MAX_CSV_BYTES + 1)
    assert only(example_copy) == f"{REQ}：有 5.0 MB，超过上限 5.0 MB"


def test_workbook_and_csv_both_present(example_copy):
    wb = as_workbook(example_copy)
    wb.save(example_copy / "week.xlsx")
    save(example_copy, "领导.csv", [["编号"]])
    assert only(example_copy) == "week：同时有工作簿 week.xlsx 和 CSV 文件（领导.csv）；只保留一种：删去 CSV，或把工作簿移出文件夹"


def test_chinese_and_english_csv_of_one_sheet(example_copy):
    save(example_copy, "rooms.csv", rows(example_copy, "会议室.csv"))
    assert only(example_copy) == "week：同时有 会议室.csv 和 rooms.csv，是同一张表；删去其中一个"


# --- headers and sheets compared after trimming ---------------------------------------------------


def test_header_with_a_trailing_space_is_read(example_copy, example_problem):
    table = rows(example_copy, REQ)
    table[0] = [f"{h} " if h == "参会人数" else h for h in table[0]]
    save(example_copy, REQ, table)
    assert load_week(example_copy, today=NOW.date()).requests == example_problem.requests


def test_duplicate_header(example_copy):
    table = rows(example_copy, REQ)
    table[0] = table[0] + ["参会人数 "]
    save(example_copy, REQ, [table[0]] + [r + ["1"] for r in table[1:]])
    assert only(example_copy) == f"{REQ}，工作表「会议申请」，第1行：「参会人数」与第J列「参会人数」是同一列（比较时忽略首尾空格）；删去重复的一列"


def test_hidden_stale_sheet_with_a_trailing_space_is_a_duplicate(example_copy):
    wb = as_workbook(example_copy)
    stale = wb.create_sheet("会议申请 ")
    stale.append(["编号"])
    stale.sheet_state = "hidden"
    wb.save(example_copy / "week.xlsx")
    assert only(example_copy) == "week.xlsx：工作表「会议申请 」与「会议申请」是同一张表（比较时忽略首尾空格，隐藏的表也算）；删去多余的一张"


def test_chart_sheet_in_the_workbook(example_copy):
    from openpyxl.chart import BarChart, Reference

    wb = as_workbook(example_copy)
    chart = BarChart()
    chart.add_data(Reference(wb["会议室"], min_col=3, min_row=1, max_row=4))
    wb.create_chartsheet("图表").add_chart(chart)  # a chart sheet of another name is ignored
    wb.save(example_copy / "week.xlsx")
    assert len(load_week(example_copy, today=NOW.date()).rooms) == 6
    del wb["已有日程"]
    wb.create_chartsheet("已有日程").add_chart(BarChart())
    wb.save(example_copy / "week.xlsx")
    assert only(example_copy) == "week.xlsx，工作表「已有日程」：是图表，不是数据表；请放入数据表（可用 scheduler template 生成的模板）"


def test_example_sheet_of_the_template_is_never_read(example_copy, example_problem):
    wb = as_workbook(example_copy)
    examples = wb.create_sheet("填写示例")
    examples.append(["编号", "会议名称"])
    examples.append(["H01", "示例"])
    wb.save(example_copy / "week.xlsx")
    assert load_week(example_copy, today=NOW.date()).requests == example_problem.requests


# --- duplicates and contradictions in the rows -------------------------------------------------------


def test_duplicate_leader_name(example_copy):
    row = edit(example_copy, "领导.csv", "L05", "姓名", "王志刚")
    first = next(n + 1 for n, r in enumerate(rows(example_copy, "领导.csv")) if r[1] == "王志刚")
    assert problems(example_copy)[0] == f"领导.csv，工作表「领导」，第{row}行，「姓名」列：「王志刚」与第{first}行重复；姓名（同名的领导请在姓名后加以区分）须唯一"


def test_duplicate_room_name(example_copy):
    row = edit(example_copy, "会议室.csv", "R02", "名称", "市政府第一会议室")
    assert only(example_copy) == f"会议室.csv，工作表「会议室」，第{row}行，「名称」列：「市政府第一会议室」与第2行重复；名称须唯一"


def test_two_receptions_with_one_id(example_copy):
    row = edit(example_copy, "公务接待.csv", "J02", "编号", "J01")
    assert only(example_copy) == f"公务接待.csv，工作表「公务接待」，第{row}行，「编号」列：「J01」与第2行重复；编号须唯一"


def test_reception_outside_the_week(example_copy):
    row = edit(example_copy, "公务接待.csv", "J01", "日期", "2026-12-15")
    assert only(example_copy) == f"公务接待.csv，工作表「公务接待」，第{row}行，「日期」列：「2026-12-15」不在计划周（2026-12-07至2026-12-13）内；别的周的接待请放到那一周的文件夹"


def test_commitment_outside_the_week(example_copy):
    table = rows(example_copy, "已有日程.csv")
    table.append(["王志刚", "2026-11-30 09:00", "2026-11-30 11:00", "上周的会", "否"])
    save(example_copy, "已有日程.csv", table)
    assert only(example_copy) == f"已有日程.csv，工作表「已有日程」，第{len(table)}行，「开始」列：「2026-11-30 09:00」整段不在计划周（2026-12-07至2026-12-13）内；别的周的日程请放到那一周的文件夹"


def test_overlapping_receptions_of_one_leader(example_copy):
    table = rows(example_copy, "公务接待.csv")
    j01 = table[1]
    table.append(["J09", "另一接待", "某单位", "", j01[4], "15:00", "16:00", "王志刚", "市政府第二会议室", "5"])
    save(example_copy, "公务接待.csv", table)
    assert only(example_copy) == f"公务接待.csv，工作表「公务接待」，第{len(table)}行，「开始时间」列：「15:00」与第2行的接待「{j01[1]}」时间重叠，王志刚不能同时陪同两场"


def test_receptions_above_a_leaders_daily_cap(example_copy):
    edit(example_copy, "领导.csv", "L05", "每日会议上限", "1")
    name = next(r[1] for r in rows(example_copy, "领导.csv") if r[0] == "L05")
    table = rows(example_copy, "公务接待.csv")
    table.append(["J08", "早间接待", "某单位", "", "2026-12-08", "08:30", "09:30", name, "", "5"])
    table.append(["J09", "午间接待", "某单位", "", "2026-12-08", "10:00", "11:00", name, "", "5"])
    save(example_copy, "公务接待.csv", table)
    assert only(example_copy) == f"公务接待.csv，工作表「公务接待」，第{len(table)}行，「陪同领导」列：「{name}」在12月08日已有 2 场接待，超过其每日会议上限 1（「领导」表）"


# --- bounded work ----------------------------------------------------------------------------------


def test_too_many_rows(example_copy, monkeypatch):
    monkeypatch.setitem(intake.MAX_ROWS, "requests", 10)
    assert only(example_copy) == f"{REQ}，工作表「会议申请」，第12行：超过每表 10 行数据的上限；请删去多余的行或分批处理"


def test_busy_minutely_recurrence_without_end_is_refused(example_copy):
    (example_copy / "busy" / "刘卫东.ics").write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20261201T000000Z\r\n"
        "DTSTART:20200101T000000Z\r\nDTEND:20200101T000100Z\r\nRRULE:FREQ=MINUTELY\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", encoding="utf-8")
    assert only(example_copy) == "busy/刘卫东.ics：含按分钟重复的日程（FREQ=MINUTELY）；只接受按小时、天、周、月、年重复的日程"


def test_busy_hourly_recurrence_from_long_ago_is_refused(example_copy):
    (example_copy / "busy" / "刘卫东.ics").write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20261201T000000Z\r\n"
        "DTSTART:19000101T000000Z\r\nDTEND:19000101T000100Z\r\nRRULE:FREQ=HOURLY\r\nSUMMARY:整点\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", encoding="utf-8")
    assert only(example_copy).startswith("busy/刘卫东.ics：日程「整点」的重复规则过密或起点过早，展开需超过 50000 步")


def test_busy_calendar_with_20000_events_is_refused_before_parsing(example_copy):
    event = "BEGIN:VEVENT\r\nUID:{n}\r\nDTSTART:20261208T010000Z\r\nDTEND:20261208T020000Z\r\nSUMMARY:x\r\nEND:VEVENT\r\n"
    body = "".join(event.format(n=n) for n in range(20000))
    (example_copy / "busy" / "刘卫东.ics").write_text(f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{body}END:VCALENDAR\r\n", encoding="utf-8")
    assert only(example_copy) == "busy/刘卫东.ics：有 20000 个日程，超过每个文件 5000 个的上限；请只导出近期的日程"


def test_busy_events_per_leader_are_bounded(example_copy):
    event = "BEGIN:VEVENT\r\nUID:{n}\r\nDTSTART:20261208T{h:02d}{m:02d}00\r\nDTEND:20261208T{h:02d}{m:02d}30\r\nSUMMARY:x\r\nEND:VEVENT\r\n"
    body = "".join(event.format(n=n, h=n // 60 % 24, m=n % 60) for n in range(300))
    (example_copy / "busy" / "刘卫东.ics").write_text(f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n{body}END:VCALENDAR\r\n", encoding="utf-8")
    assert only(example_copy) == "busy/刘卫东.ics：在计划周内有 300 个日程，超过每位领导 200 个的上限"


def test_set_overrides_are_checked_like_week_toml():
    from scheduler.config import Settings, apply_overrides
    from scheduler.errors import SettingsErrors

    with pytest.raises(SettingsErrors) as info:
        apply_overrides(Settings(), {"office_hours": 5})
    assert info.value.lines() == ["--set，设置项 office_hours：「5」应为一个表（如 [office_hours]），而不是数字"]
    assert apply_overrides(Settings(), {"office_hours": {"afternoon": "15:00-18:00"}}).office_hours.morning == Settings().office_hours.morning


def test_kind_suggestions_never_cross_bodies():
    from scheduler.config import DEFAULT_KINDS, suggest_kinds

    assert suggest_kinds("常委会", ["常务会", "专题会"]) == []
    assert suggest_kinds("常务会议", DEFAULT_KINDS) == ["常务会"]
    assert suggest_kinds("常委会会议", DEFAULT_KINDS) == ["常委会"]
    assert "常务会" not in suggest_kinds("市委常委会议", DEFAULT_KINDS)
    assert {"常委会", "书记专题会议", "市委全会", "深改委会议", "领导小组会议", "常务会", "专题会", "电视电话会议"} <= set(DEFAULT_KINDS)


def test_extra_requests_file_that_is_not_a_sheet(example_copy, example_problem, tmp_path):
    from scheduler.intake import load_extra_requests

    (tmp_path / "x.xlsx").write_bytes(b"not a zip")
    with pytest.raises(InputErrors) as info:
        load_extra_requests(tmp_path / "x.xlsx", example_problem)
    assert info.value.lines() == ["x.xlsx：无法作为 Excel 工作簿（.xlsx）读取：文件已损坏或不是 .xlsx；请在 Excel 中另存为 .xlsx"]


def test_bad_email_and_overlong_id(example_copy):
    row = edit(example_copy, "领导.csv", "L03", "邮箱", "zhang at gov")
    row2 = edit(example_copy, "会议室.csv", "R01", "编号", "R" * 33)
    assert problems(example_copy)[:2] == [
        f"领导.csv，工作表「领导」，第{row}行，「邮箱」列：「zhang at gov」不是有效的邮箱地址，应如 wangzhigang@example.cn",
        f"会议室.csv，工作表「会议室」，第{row2}行，「编号」列：「{'R' * 33}」有 33 个字符，超过编号上限 32 个字符；编号应简短，如 H01",
    ]


def test_a_leader_name_holding_a_list_separator(example_copy):
    row = edit(example_copy, "领导.csv", "L12", "姓名", "甲、乙")
    assert problems(example_copy)[0] == f"领导.csv，工作表「领导」，第{row}行，「姓名」列：「甲、乙」含有分隔符（、 , ， ; ；）；一格只写一位领导的姓名"
