"""Workbook bytes that depend on the content and `now` only: openpyxl stamps the wall clock into
the document properties and every zip entry, which would make the same plan differ byte for
byte. One helper for the plan workbook, the blank template and the annual-plan template; and the
office's body face for the cells of the workbooks that do not set their own."""

from __future__ import annotations

import io
import re
import zipfile
from copy import copy
from datetime import datetime, timezone

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from . import fonts


def workbook_bytes(wb: Workbook, now: datetime) -> bytes:
    """The workbook's bytes with `now` as every timestamp."""
    utc = now.astimezone(timezone.utc).replace(tzinfo=None)
    wb.properties.creator = "scheduler"
    wb.properties.created = utc
    raw = io.BytesIO()
    wb.save(raw)
    out = io.BytesIO()
    stamp = now.timetuple()[:6]
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps 'modified' with the wall clock
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + f"{utc:%Y-%m-%dT%H:%M:%SZ}".encode(), data)
            dst.writestr(entry, data)
    return out.getvalue()


def office_font(wb: Workbook) -> Workbook:
    """Every written cell that names no face or openpyxl's default (Calibri) in the office's body
    face (宋体, fonts.BODY), its size, weight and colour kept: the workbooks staff fill in and
    read name a Chinese face like the plan workbook does."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None and cell.font.name in (None, "Calibri"):
                    font = copy(cell.font)
                    font.name = fonts.BODY.name
                    cell.font = font
    return wb


def add_dropdown(ws, col: int, header: str, values: str, last_row: int) -> None:
    """A list dropdown ("是,否") on rows 2..last_row of column `col`, with a Chinese error text."""
    dv = DataValidation(type="list", formula1=f'"{values}"', allow_blank=True)
    dv.error = f"请从下拉列表中选择：{values}"
    dv.errorTitle = header
    ws.add_data_validation(dv)
    letter = get_column_letter(col)
    dv.add(f"{letter}2:{letter}{last_row}")
