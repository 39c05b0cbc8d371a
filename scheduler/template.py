"""The blank week `scheduler template` writes: week.xlsx (every sheet and column, dropdowns, the
example rows on a separate 填写示例 sheet that intake never reads) and a commented week.toml for
the coming week.

Bytes are deterministic: document properties and zip entries carry the time passed in."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from importlib import resources

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .xlsx import add_dropdown, office_font, workbook_bytes
from .config import DEFAULT_KINDS, WEEKDAY_ALIASES, coming_monday
from .domain import WEEKDAYS_ZH
from .errors import ConfigError
from .intake import EXAMPLE_SHEET, SHEETS, SheetSpec

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
NOTE_FONT = Font(bold=True, color="C00000")
DROPDOWN_ROWS = 500
YES_NO = "是,否"
CHOICES = {
    "可否套开": YES_NO, "列入年度计划": YES_NO, "紧急": YES_NO, "视频会议": YES_NO, "外出": YES_NO,
    "时段": "上午,下午,不限", "会议形式": "现场,视频,电视电话", "审批状态": "待审,同意,退回",
}


def _examples(week: date) -> dict[str, tuple[str, ...]]:
    """One example row per sheet, dated in the planned week."""
    day = lambda n: f"{week + timedelta(days=n):%Y-%m-%d}"  # noqa: E731
    return {
        "会议申请": ("H01", "全市重点项目建设推进会", "推进会", "市发展改革委", "通报重点项目建设进度", "重点项目", "王志刚", "", "市发展改革委、市财政局", "35", "90", "60", day(0), day(4), "上午", "", "现场", "是", "", "", "是", "否", "", f"{day(-5)} 10:15", "同意", "李明 0571-8800101", ""),
        "公务接待": ("J01", "省发展改革委调研组来我市调研", "省发展改革委", "省发改函〔2026〕318号", day(1), "14:30", "17:00", "王志刚", "市政府第一会议室", "8"),
        "领导": ("L01", "王志刚", "常务副市长", "1", "wangzhigang@example.cn", "4", ""),
        "会议室": ("R01", "市政府第一会议室", "80", "是", "市政府大楼"),
        "已有日程": ("王志刚", f"{day(2)} 08:30", f"{day(2)} 12:00", "全省财政工作会议", "是"),
    }


def week_toml(week: date, *, no_meeting_days: tuple[str, ...] = ()) -> str:
    """The commented week.toml for `week`: requests are due by Thursday 24:00 before it."""
    text = resources.files(__package__).joinpath("week.toml.template").read_text(encoding="utf-8")
    deadline = f"{week - timedelta(days=3):%Y-%m-%d}T00:00:00"
    days = "[" + ", ".join(f'"{d}"' for d in no_meeting_days) + "]"
    return text.replace("{week}", week.isoformat()).replace("{deadline}", deadline).replace("{no_meeting_days}", days)


def _header(ws, headers) -> None:
    ws.append(list(headers))
    for n, _ in enumerate(headers, 1):
        cell = ws.cell(row=ws.max_row, column=n)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _data_sheet(wb: Workbook, spec: SheetSpec, kinds: list[str], first: bool):
    ws = wb.active if first else wb.create_sheet()
    ws.title = spec.zh
    headers = [c.zh for c in spec.columns]
    _header(ws, headers)
    ws.freeze_panes = "A2"
    choices = CHOICES | {"会议类型": ",".join(kinds)}
    for col, header in enumerate(headers, 1):
        ws.column_dimensions[get_column_letter(col)].width = max(12, 2 * len(header) + 4)
        if header in choices:
            add_dropdown(ws, col, header, choices[header], DROPDOWN_ROWS + 1)


def template_workbook(week: date, *, now: datetime, kinds: list[str] | None = None) -> bytes:
    """Every sheet with its Chinese headers and dropdowns, no rows; the example rows on 填写示例."""
    kinds = kinds or list(DEFAULT_KINDS)
    wb = Workbook()
    for n, spec in enumerate(SHEETS):
        _data_sheet(wb, spec, kinds, first=n == 0)
    examples = wb.create_sheet(EXAMPLE_SHEET)
    examples.append([f"填写示例（本表只作参考，排会时不读取；请在同名的各工作表中填写，计划周 {week} 至 {week + timedelta(days=6)}）"])
    examples.cell(row=1, column=1).font = NOTE_FONT
    for spec, row in zip(SHEETS, _examples(week).values()):
        examples.append([])
        examples.append([f"「{spec.zh}」表" + ("（必填）" if spec.required else "（可选，不用可留空）")])
        examples.cell(row=examples.max_row, column=1).font = Font(bold=True)
        _header(examples, [c.zh for c in spec.columns])
        examples.append(list(row))
    for col in range(1, 27):
        examples.column_dimensions[get_column_letter(col)].width = 14
    return _deterministic(office_font(wb), now)


def template_files(*, now: datetime, no_meeting_days: tuple[str, ...] = ()) -> dict[str, bytes]:
    """week.xlsx and week.toml for the coming week (the Monday after `now`)."""
    for day in no_meeting_days:
        if day.strip().lower() not in WEEKDAY_ALIASES:
            raise ConfigError(f"--no-meeting-day：「{day}」不是星期几；应写 周一 至 周日，或 mon 至 sun")
    days = tuple(dict.fromkeys(WEEKDAYS_ZH[WEEKDAY_ALIASES[d.strip().lower()]] for d in no_meeting_days))
    week = coming_monday(now.date())
    return {
        "week.xlsx": template_workbook(week, now=now),
        "week.toml": week_toml(week, no_meeting_days=days).encode("utf-8"),
    }


_deterministic = workbook_bytes  # scheduler/xlsx.py: the same bytes for the same content and now
