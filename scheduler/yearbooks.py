"""The workbooks of 计划管理和总量控制 (openpyxl): the blank 年度会议计划, and plain report tables
(the 双台账 reconciliation). Bytes out, deterministic for a given `now`."""

from __future__ import annotations

from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from .xlsx import add_dropdown, office_font, workbook_bytes

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="999999")
CHOICES = {"是否全市性会议": "是,否"}


_finish = workbook_bytes  # scheduler/xlsx.py: the same bytes for the same content and now


def _table(ws, headers, rows, widths=None) -> None:
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    for n, header in enumerate(headers, 1):
        cell = ws.cell(row=1, column=n)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        ws.column_dimensions[get_column_letter(n)].width = (widths or {}).get(header, max(10, 2 * len(str(header)) + 2))
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.border = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
    ws.freeze_panes = "A2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.print_title_rows = "1:1"


def blank_workbook(spec, example: tuple[str, ...], *, kinds: list[str], now: datetime) -> bytes:
    """One sheet named after the spec, its Chinese headers, one example row, dropdowns."""
    wb = Workbook()
    ws = wb.active
    ws.title = spec.zh
    headers = [c.zh for c in spec.columns]
    _table(ws, headers, [example], {"会议名称": 30, "单位": 18, "计划季度或月份": 16, "备注": 24})
    choices = dict(CHOICES, 会议类型=",".join(kinds))
    for col, header in enumerate(headers, 1):
        if header in choices:
            add_dropdown(ws, col, header, choices[header], 1000)
    return _finish(office_font(wb), now)


def report_workbook(sheets: list[tuple[str, list[str], list[tuple]]], *, now: datetime) -> bytes:
    """A workbook of plain tables: (sheet name, headers, rows) each."""
    wb = Workbook()
    for n, (title, headers, rows) in enumerate(sheets):
        ws = wb.active if n == 0 else wb.create_sheet()
        ws.title = title[:31]
        _table(ws, headers, rows)
    return _finish(office_font(wb), now)
