"""The only reader of the week's folder: week.toml, the workbook or CSVs, and busy/*.ics.

Every cell is read as text and parsed by `values`, so that a problem can quote what the user
typed, with the file, sheet, row (as Excel numbers it: header = row 1) and column. All problems
of a run are collected and raised together as `InputErrors`, in Chinese.

Work is bounded before it is done: only regular files inside the folder are opened, each up to a
size limit; sheets, cells and busy calendars have the limits below (README "Limits").
"""

from __future__ import annotations

import csv
import difflib
import errno
import io
import os
import re
import stat
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field as dc_field
from datetime import date, datetime, time, timedelta
from itertools import zip_longest
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from . import ics
from .config import MAX_TOML_BYTES, Settings, load_settings, suggest_kinds
from .domain import (
    ANY_PART, APPROVED, MORNING, AFTERNOON, ON_SITE, PENDING, RETURNED, TELECONF, VIDEO,
    Commitment, Leader, MeetingRequest, Problem, Reception, Room, RowOrigin,
)
from .errors import InputErrors, InputProblem
from .values import (
    LIST_SEPARATORS, clean, parse_bool, parse_date, parse_datetime, parse_duration, parse_int, parse_list, parse_time,
)
from .workcal import week_days

# --- limits (README "Limits" lists each with what a run over it prints) ------------------------

MB = 1024 * 1024
MAX_WORKBOOK_BYTES = 10 * MB
MAX_WORKBOOK_UNZIPPED_BYTES = 100 * MB
MAX_CSV_BYTES = 5 * MB
MAX_ICS_BYTES = 2 * MB
MAX_BUSY_FILES = 200
MAX_ROWS = {"requests": 500, "receptions": 500, "leaders": 300, "rooms": 300, "commitments": 2000}
MAX_OTHER_ROWS = 2000  # sheets read from files of their own (年度会议计划)
MAX_SCANNED_ROWS = 20_000  # rows looked at in one sheet, empty ones included
MAX_COLUMNS = 100  # columns read from a sheet; later columns are ignored
MAX_CELL_CHARS = 2000
MAX_ID_CHARS = 32  # 编号 of requests, receptions, leaders and rooms
MAX_BUSY_PER_LEADER = 200  # existing commitments (sheet and busy/*.ics) of one leader in the week
MAX_BUSY_PER_WEEK = 2000
MAX_NUMBER = 100_000  # attendees, capacity, guests
MAX_MINUTES = 1440
MAX_PER_DAY = 50
MAX_RANK = 1_000_000
MULTILINE_FIELDS = {"agenda", "note", "urgent_reason"}  # the only cells that may hold line breaks


@dataclass(frozen=True, slots=True)
class Column:
    field: str
    zh: str
    en: str
    required: bool = False


@dataclass(frozen=True, slots=True)
class SheetSpec:
    key: str
    zh: str
    required: bool
    columns: tuple[Column, ...]


def _cols(*specs: str) -> tuple[Column, ...]:
    """'编号 id *' -> Column('id', '编号', 'id', required=True)."""
    out = []
    for spec in specs:
        zh, en, *flag = spec.split()
        out.append(Column(en, zh, en, bool(flag)))
    return tuple(out)


SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec("requests", "会议申请", True, _cols(
        "编号 id *", "会议名称 title *", "会议类型 kind *", "主办单位 organiser *", "主要议题 agenda",
        "主题标签 tags", "主持领导 chair *", "出席领导 leaders", "参会单位 units", "参会人数 attendees *",
        "拟用时长 minutes *", "最短时长 min_minutes", "最早日期 earliest", "最晚日期 latest",
        "时段 part_of_day", "固定时间 fixed_start", "会议形式 format", "可否套开 mergeable",
        "拟与何会套开 merge_with", "不与何会套开 no_merge_with", "列入年度计划 in_annual_plan", "紧急 urgent", "紧急理由 urgent_reason",
        "报送时间 submitted_at", "审批状态 approval", "联系人 contact", "备注 note")),
    SheetSpec("receptions", "公务接待", False, _cols(
        "编号 id *", "接待事项 title *", "来访单位 visitor", "公函 letter", "日期 date *", "开始时间 start *",
        "结束时间 end *", "陪同领导 leaders", "地点 place", "来访人数 guests")),
    SheetSpec("leaders", "领导", True, _cols(
        "编号 id *", "姓名 name *", "职务 title", "排序 rank *", "邮箱 email", "每日会议上限 max_per_day",
        "AB角 pair")),
    SheetSpec("rooms", "会议室", True, _cols(
        "编号 id *", "名称 name *", "容纳人数 capacity *", "视频会议 video", "楼宇 building")),
    SheetSpec("commitments", "已有日程", False, _cols(
        "领导 leader *", "开始 start *", "结束 end *", "事项 title *", "外出 away")),
)
SHEET_BY_KEY = {s.key: s for s in SHEETS}
EXAMPLE_SHEET = "填写示例"  # the template's example rows live here; intake never reads it
PARTS = {"上午": MORNING, "am": MORNING, "下午": AFTERNOON, "pm": AFTERNOON, "不限": ANY_PART, "全天": ANY_PART, "": ANY_PART}
FORMATS = {"现场": ON_SITE, "现场会": ON_SITE, "": ON_SITE, "视频": VIDEO, "视频会议": VIDEO, "电视电话": TELECONF, "电视电话会议": TELECONF}
APPROVALS = {"待审": PENDING, "": PENDING, "同意": APPROVED, "已同意": APPROVED, "退回": RETURNED, "已退回": RETURNED}


@dataclass
class Table:
    """One sheet's rows as text, with where it came from."""

    spec: SheetSpec
    source: str  # file name
    sheet: str | None  # sheet name in a workbook, None for a CSV
    headers: dict[str, str]  # field -> header as written (trimmed)
    rows: list[tuple[int, dict[str, str]]]  # (Excel row number, field -> cleaned text)
    bad: set[tuple[int, str]] = dc_field(default_factory=set)  # (row, field) already reported
    cells: dict[int, tuple[tuple[str, str], ...]] = dc_field(default_factory=dict)  # row -> (header, text) of every headed column

    def origin(self, row: int) -> RowOrigin:
        return RowOrigin(source=self.source, sheet=self.sheet, row=row, cells=self.cells.get(row, ()))


class Collector:
    """Collects InputProblems; `add(table, row, field, ...)` binds the location."""

    def __init__(self) -> None:
        self.problems: list[InputProblem] = []

    def add(self, table: Table | None, row: int | None, field: str | None, value: str | None, message: str, *, source: str = "", sheet: str | None = None) -> None:
        column = None
        if table is not None and field is not None:
            column = table.headers.get(field) or next(c.zh for c in table.spec.columns if c.field == field)
        self.problems.append(InputProblem(
            source=table.source if table else source,
            sheet=(table.sheet or table.spec.zh) if table else sheet,
            row=row, column=column, value=value, message=message,
        ))


def _span(week: date) -> str:
    return f"{week}至{week + timedelta(days=6)}"


# --- opening files: regular files inside the folder, bounded ----------------------------------------


def _size(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB else f"{max(n // 1024, 1)} KB"


def read_regular(path: Path, folder: Path, limit: int, out: Collector, name: str) -> bytes | None:
    """The bytes of `path` if it is a regular file inside `folder` no larger than `limit`;
    otherwise a located problem and None. A FIFO, a device or a link out of the folder is never opened."""
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            target = path.resolve()
            if not target.is_relative_to(folder.resolve()):
                out.add(None, None, None, None, "是指向文件夹外的链接；只读取本文件夹内的普通文件", source=name)
                return None
            info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            out.add(None, None, None, None, "是文件夹，不是文件", source=name)
            return None
        if not stat.S_ISREG(info.st_mode):
            out.add(None, None, None, None, "不是普通文件（可能是管道或设备），不予读取", source=name)
            return None
        if info.st_size > limit:
            out.add(None, None, None, None, f"有 {_size(info.st_size)}，超过上限 {_size(limit)}", source=name)
            return None
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        reason = "没有读取权限" if exc.errno in (errno.EACCES, errno.EPERM) else f"系统错误 {errno.errorcode.get(exc.errno or 0, exc.errno)}"
        out.add(None, None, None, None, f"无法读取（{reason}）", source=name)
        return None
    except RuntimeError:  # a symlink loop
        out.add(None, None, None, None, "是循环的链接，无法读取", source=name)
        return None
    if len(data) > limit:
        out.add(None, None, None, None, f"超过上限 {_size(limit)}", source=name)
        return None
    return data


def _entries(folder: Path) -> dict[str, Path]:
    """The folder's entries by lower-cased name (never follows anything)."""
    try:
        return {p.name.lower(): p for p in folder.iterdir()}
    except OSError:
        return {}


# --- reading sheets -------------------------------------------------------------------------------


def _header_field(spec: SheetSpec, header: str) -> str | None:
    text = re.sub(r"[（(].*?[)）]\s*$", "", clean(header)).strip().lower()
    for col in spec.columns:
        if text in (col.zh.lower(), col.en.lower()):
            return col.field
    return None


@dataclass(frozen=True)
class Uncomputed:
    """A formula cell whose workbook holds no computed value: the file was written by a program
    and never opened and saved in Excel or WPS, so openpyxl (data_only) reads None."""

    formula: str


UNCOMPUTED = "是公式，但文件中没有它的计算结果（文件由程序生成，未在 Excel 或 WPS 中打开保存过）；请用 Excel 或 WPS 打开此文件、保存后再试"
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")  # <f>, <f t="shared" .../>, <x:f>: a cell formula in sheet XML


def _formula_text(value: object) -> str | None:
    """The formula of a cell read with data_only=False, None when it holds none."""
    if isinstance(value, str):
        return value if value.startswith("=") else None
    if isinstance(value, (ArrayFormula, DataTableFormula)):
        return getattr(value, "text", None) or "="
    return None


def _sheet_rows(values_ws, formulas_ws):
    """A sheet's rows as cell text, from a workbook read with data_only=True; when `formulas_ws`
    (the same sheet read with data_only=False) is given, a formula cell that read as None is an
    Uncomputed instead of an empty cell."""
    values = values_ws.iter_rows(max_col=MAX_COLUMNS, values_only=True)
    if formulas_ws is None:
        for row in values:
            yield [_cell_text(v) for v in row]
        return
    formulas = formulas_ws.iter_rows(max_col=MAX_COLUMNS, values_only=True)
    for row, formula_row in zip_longest(values, formulas, fillvalue=()):
        cells: list[object] = []
        for value, formula in zip_longest(row, formula_row):
            text = _formula_text(formula) if value is None else None
            cells.append(Uncomputed(text) if text else _cell_text(value))
        yield cells


def _cell_text(value: object) -> str:
    """An openpyxl cell value as the text staff see."""
    if value is None:
        return ""
    if isinstance(value, Uncomputed):
        return value.formula
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}" if (value.hour, value.minute, value.second) != (0, 0, 0) else f"{value:%Y-%m-%d}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAK = re.compile(r"[\n\r\u2028\u2029]")


def _cell_problem(text: str, multiline: bool) -> str | None:
    """What is wrong with a cell's raw text before it is parsed, if anything."""
    if len(text) > MAX_CELL_CHARS:
        return f"有 {len(text)} 个字符，超过单元格上限 {MAX_CELL_CHARS} 个字符"
    if bad := _CONTROL.search(text):
        return f"含有不可见的控制字符（U+{ord(bad.group()):04X}）；请删除后再保存"
    if not multiline and _LINE_BREAK.search(text):
        return "含有换行；此列只能写一行（多个值用 、 分隔）"
    return None


def _table(spec: SheetSpec, rows, source: str, sheet: str | None, out: Collector) -> Table | None:
    """A Table from an iterator of rows (lists of cell text; the first is the header)."""
    table = Table(spec, source, sheet, {}, [])
    header_row = next(rows, None)
    if header_row is None:
        out.add(table, None, None, None, "没有标题行；请保留模板的标题行（第1行）")
        return None
    positions: dict[str, int] = {}
    headed: list[tuple[int, str]] = []  # every column with a header, known or not (kept with the row)
    for index, raw in enumerate(header_row[:MAX_COLUMNS]):
        text = clean(raw)
        if text:
            headed.append((index, text))
        field = _header_field(spec, text) if text and _cell_problem(text, False) is None else None
        if field is None:
            continue
        if field in positions:
            first = table.headers[field]
            out.add(table, 1, None, text, f"与第{_column_letter(positions[field])}列「{first}」是同一列（比较时忽略首尾空格）；删去重复的一列")
            continue
        positions[field] = index
        table.headers[field] = text
    for col in spec.columns:
        if col.required and col.field not in positions:
            out.add(table, 1, None, None, f"缺少「{col.zh}」列（或英文「{col.en}」）；此列必填")
    limit = MAX_ROWS.get(spec.key, MAX_OTHER_ROWS)
    for number, cells in enumerate(rows, start=2):
        if number > MAX_SCANNED_ROWS:
            out.add(table, None, None, None, f"超过 {MAX_SCANNED_ROWS} 行（含空行）；删去多余的行后再试")
            return None
        values: dict[str, str] = {}
        for field, index in positions.items():
            raw = _cell_text(cells[index]) if index < len(cells) else ""
            problem = UNCOMPUTED if index < len(cells) and isinstance(cells[index], Uncomputed) else _cell_problem(raw, field in MULTILINE_FIELDS)
            if problem:
                out.add(table, number, field, raw, problem)
                table.bad.add((number, field))
                values[field] = "?"
            else:
                values[field] = clean(raw)
        if any(values.values()):
            if len(table.rows) >= limit:
                out.add(table, number, None, None, f"超过每表 {limit} 行数据的上限；请删去多余的行或分批处理")
                return None
            table.rows.append((number, values))
            table.cells[number] = tuple((header, _cell_text(cells[index]) if index < len(cells) else "") for index, header in headed)
    return table


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _decode_csv(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("gb18030", raw, 0, 1, "neither UTF-8 nor GB18030")


def _csv_rows(text: str):
    reader = csv.reader(io.StringIO(text, newline=""))
    for row in reader:
        yield [cell.strip() if cell.isspace() else cell for cell in row]


def _csv_table(spec: SheetSpec, raw: bytes, name: str, out: Collector) -> Table | None:
    try:
        text = _decode_csv(raw)
    except UnicodeDecodeError:
        out.add(None, None, None, None, "既不是 UTF-8 也不是 GB18030 编码的 CSV；请在 Excel 中另存为“CSV UTF-8”", source=name)
        return None
    if not text.strip():
        out.add(None, None, None, None, "是空文件，连标题行也没有；不用此表就删去该文件，用则至少保留标题行", source=name)
        return None
    try:
        return _table(spec, _csv_rows(text), name, None, out)
    except csv.Error as exc:
        too_long = "field larger" in str(exc)
        out.add(None, None, None, None, f"有超过 {csv.field_size_limit()} 个字符的单元格，超过上限" if too_long else "不是格式正确的 CSV（引号未配对等）；请在 Excel 中重新另存", source=name)
        return None


def _workbook_tables(path: Path, raw: bytes, out: Collector, *, only: tuple[str, ...] | None = None, specs: tuple[SheetSpec, ...] = SHEETS) -> dict[str, Table]:
    """The known sheets of a workbook (`only`: just these, none of them required)."""
    name = path.name
    tables: dict[str, Table] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
            if unzipped > MAX_WORKBOOK_UNZIPPED_BYTES:
                out.add(None, None, None, None, f"解压后有 {_size(unzipped)}，超过上限 {_size(MAX_WORKBOOK_UNZIPPED_BYTES)}", source=name)
                return tables
            has_formulas = any(_FORMULA_TAG.search(archive.read(info)) for info in archive.infolist() if info.filename.endswith(".xml"))
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        # Read a second time for the formulas (only when there are any): a formula without a
        # computed value reads as None above and would be reported as an empty cell.
        formula_wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=False) if has_formulas else None
    except Exception:  # zipfile and openpyxl raise many types for a damaged file
        out.add(None, None, None, None, "无法作为 Excel 工作簿（.xlsx）读取：文件已损坏或不是 .xlsx；请在 Excel 中另存为 .xlsx", source=name)
        return tables
    try:
        found: dict[str, str] = {}
        for sheet_name in wb.sheetnames:
            key = clean(sheet_name).lower()
            spec = next((s for s in specs if key in (s.zh, s.key)), None)
            if spec is None and len(specs) == 1 and len(wb.sheetnames) == 1:
                spec = specs[0]  # a file of one sheet: its only sheet, whatever its name
            if spec is None or only is not None and spec.key not in only:
                continue
            if spec.key in found:
                out.add(None, None, None, None, f"工作表「{sheet_name}」与「{found[spec.key]}」是同一张表（比较时忽略首尾空格，隐藏的表也算）；删去多余的一张", source=name)
                continue
            found[spec.key] = sheet_name
            ws = wb[sheet_name]
            if not hasattr(ws, "iter_rows"):
                out.add(None, None, None, None, "是图表，不是数据表；请放入数据表（可用 scheduler template 生成的模板）", source=name, sheet=sheet_name)
                continue
            rows = _sheet_rows(ws, formula_wb[sheet_name] if formula_wb is not None else None)
            table = _table(spec, rows, name, sheet_name, out)
            if table is not None:
                tables[spec.key] = table
        for spec in specs:
            if spec.required and spec.key not in found and only is None:
                out.add(None, None, None, None, f"没有「{spec.zh}」工作表（或英文「{spec.key}」）；此表必填", source=name)
    except Exception:  # a damaged sheet part only shows while it is read
        out.add(None, None, None, None, "读取途中出错：工作簿已损坏；请在 Excel 中另存为 .xlsx", source=name)
    finally:
        wb.close()
        if formula_wb is not None:
            formula_wb.close()
    return tables


def read_tables(folder: Path, out: Collector) -> dict[str, Table]:
    """The sheets of the week's workbook, or its CSV files, as Tables."""
    entries = _entries(folder)
    workbooks = sorted((p for key, p in entries.items() if key.endswith(".xlsx") and not key.startswith("~$")), key=lambda p: p.name)
    csvs: dict[str, list[Path]] = {}
    for spec in SHEETS:
        csvs[spec.key] = [entries[n] for n in (f"{spec.zh}.csv", f"{spec.key}.csv") if n in entries]
    where = folder.name or str(folder)
    tables: dict[str, Table] = {}
    chosen = entries.get("week.xlsx") or (workbooks[0] if len(workbooks) == 1 else None)
    if len(workbooks) > 1 and chosen is None:
        out.add(None, None, None, None, f"有 {len(workbooks)} 个工作簿（{'、'.join(p.name for p in workbooks)}）；请把本周的那个命名为 week.xlsx", source=where)
        return tables
    present = [p.name for paths in csvs.values() for p in paths]
    if chosen is not None and present:
        out.add(None, None, None, None, f"同时有工作簿 {chosen.name} 和 CSV 文件（{'、'.join(present)}）；只保留一种：删去 CSV，或把工作簿移出文件夹", source=where)
        return tables
    if chosen is not None:
        raw = read_regular(chosen, folder, MAX_WORKBOOK_BYTES, out, chosen.name)
        return _workbook_tables(chosen, raw, out) if raw is not None else tables
    for spec in SHEETS:
        paths = csvs[spec.key]
        if len(paths) > 1:
            out.add(None, None, None, None, f"同时有 {paths[0].name} 和 {paths[1].name}，是同一张表；删去其中一个", source=where)
            continue
        if not paths:
            if spec.required:
                out.add(None, None, None, None, f"没有 {spec.zh}.csv（或 {spec.key}.csv），也没有工作簿；可运行 scheduler template 生成空白模板", source=where)
            continue
        raw = read_regular(paths[0], folder, MAX_CSV_BYTES, out, paths[0].name)
        if raw is None:
            continue
        table = _csv_table(spec, raw, paths[0].name, out)
        if table is not None:
            tables[spec.key] = table
    return tables


# --- parsing rows -----------------------------------------------------------------------------


class RowReader:
    """Parses the fields of one row, reporting each bad cell once with its location."""

    def __init__(self, table: Table, row: int, values: dict[str, str], out: Collector, near: date):
        self.table, self.row, self.values, self.out, self.near = table, row, values, out, near
        self.ok = not any((row, f) in table.bad for f in values)

    def raw(self, field: str) -> str:
        return "" if (self.row, field) in self.table.bad else self.values.get(field, "")

    def fail(self, field: str, message: str, value: str | None = None) -> None:
        self.ok = False
        self.out.add(self.table, self.row, field, value if value is not None else self.raw(field), message)

    def get(self, field: str, parse, default=None):
        if (self.row, field) in self.table.bad:
            return default
        text = self.raw(field)
        if not text:
            if next(c for c in self.table.spec.columns if c.field == field).required:
                self.ok = False
                if field in self.table.headers:  # a missing column is told once, on the header row
                    self.out.add(self.table, self.row, field, None, "为空；此列必填")
            return default
        try:
            return parse(text)
        except ValueError as exc:
            self.fail(field, str(exc))
            return default

    def text(self, field: str) -> str:
        return self.get(field, lambda s: s, "")

    def number(self, field: str, *, unit: str = "", low: int = 0, high: int = MAX_NUMBER, default=None):
        value = self.get(field, lambda s: parse_int(s, unit=unit), default)
        if value is not None and value is not default:
            if value < low:
                self.fail(field, f"应至少为 {low}")
                return default
            if value > high:
                self.fail(field, f"超过上限 {high}")
                return default
        return value

    def unique(self, field: str, seen: dict[str, int], what: str) -> str:
        """The row's value of `field`, reported when an earlier row of the sheet has it already."""
        value = self.text(field)
        if field == "id" and len(value) > MAX_ID_CHARS:
            self.fail(field, f"有 {len(value)} 个字符，超过编号上限 {MAX_ID_CHARS} 个字符；编号应简短，如 H01")
        elif value and value in seen:
            self.fail(field, f"与第{seen[value]}行重复；{what}须唯一")
        if value:
            seen.setdefault(value, self.row)
        return value

    def choice(self, field: str, choices: dict[str, str]) -> str:
        text = self.raw(field)
        key = text.lower()
        if key in choices:
            return choices[key]
        options = "、".join(dict.fromkeys(v for k, v in choices.items() if k))
        self.fail(field, f"不是可选的值（{options}）")
        return choices[""] if "" in choices else next(iter(choices.values()))

    def leader(self, field: str, names: "LeaderNames") -> str:
        text = self.raw(field)
        if (self.row, field) in self.table.bad:
            return ""
        if not text:
            return self.get(field, names.resolve, "")
        try:
            return names.resolve(text)
        except ValueError as exc:
            self.fail(field, str(exc))
            return ""

    def leaders(self, field: str, names: "LeaderNames") -> tuple[str, ...]:
        """The leaders named in a list cell; each unknown name is its own problem."""
        ids = []
        for name in parse_list(self.raw(field)):
            try:
                ids.append(names.resolve(name))
            except ValueError as exc:
                self.fail(field, str(exc), value=name)
        return tuple(dict.fromkeys(ids))


class LeaderNames:
    """Resolves a leader's name (or id) to the id; unknown names suggest the closest known ones."""

    def __init__(self, leaders: list[Leader]):
        self.by_key = {}
        for leader in leaders:
            self.by_key[leader.id.lower()] = leader.id
            self.by_key[leader.name] = leader.id
        self.names = [leader.name for leader in leaders]

    def resolve(self, name: str) -> str:
        key = clean(name)
        key = re.sub(r"[（(].*?[)）]", "", key).strip()  # 王志刚（常务副市长）
        if key in self.by_key or key.lower() in self.by_key:
            return self.by_key.get(key) or self.by_key[key.lower()]
        close = difflib.get_close_matches(key, self.names, n=3, cutoff=0.5)
        hint = f"，是否为{'、'.join(f'「{c}」' for c in close)}？" if close else "；请先在「领导」表中添加"
        raise ValueError(f"不是「领导」表中的领导{hint}")


def _leaders(table: Table | None, out: Collector, near: date) -> list[Leader]:
    leaders: list[Leader] = []
    seen: dict[str, int] = {}
    names: dict[str, int] = {}
    for row, values in table.rows if table else []:
        r = RowReader(table, row, values, out, near)
        leader_id = r.unique("id", seen, "编号")
        name = r.unique("name", names, "姓名（同名的领导请在姓名后加以区分）")
        if LIST_SEPARATORS.search(name):
            r.fail("name", "含有分隔符（、 , ， ; ；）；一格只写一位领导的姓名")
            name = ""
        leader = Leader(
            id=leader_id, name=name, title=r.text("title"), rank=r.number("rank", high=MAX_RANK, default=999),
            email=r.get("email", _email) or None, max_per_day=r.number("max_per_day", low=1, high=MAX_PER_DAY), pair=r.text("pair") or None,
        )
        if leader.id and leader.name and seen[leader.id] == row and names[leader.name] == row:
            leaders.append(leader)  # kept even when another cell is bad, so names still resolve
    ids = {leader.id for leader in leaders}
    for row, values in table.rows if table else []:
        pair = values.get("pair", "")
        if pair and (row, "pair") not in table.bad and pair not in ids:
            out.add(table, row, "pair", pair, "不是本表中领导的编号")
    return leaders


_EMAIL = re.compile(r"[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\"]+")


def _email(text: str) -> str:
    if not _EMAIL.fullmatch(text):
        raise ValueError("不是有效的邮箱地址，应如 wangzhigang@example.cn")
    return text


def _rooms(table: Table | None, out: Collector, near: date) -> list[Room]:
    rooms: list[Room] = []
    seen: dict[str, int] = {}
    names: dict[str, int] = {}
    for row, values in table.rows if table else []:
        r = RowReader(table, row, values, out, near)
        room_id = r.unique("id", seen, "编号")
        name = r.unique("name", names, "名称")
        capacity = r.number("capacity", unit="人", low=1, default=0)
        room = Room(id=room_id, name=name, capacity=capacity, video=r.get("video", lambda s: parse_bool(s, False), False), building=r.text("building"))
        if r.ok:
            rooms.append(room)
    return rooms


def _aware(moment: datetime, settings: Settings) -> datetime:
    return moment.replace(tzinfo=settings.tz)


def _requests(table: Table, out: Collector, settings: Settings, names: LeaderNames, week: date, known: set[str] = frozenset()) -> list[MeetingRequest]:
    requests: list[MeetingRequest] = []
    seen: dict[str, int] = {}
    sunday = week + timedelta(days=6)
    for row, values in table.rows:
        r = RowReader(table, row, values, out, week)
        request_id = r.unique("id", seen, "编号")
        kind = r.text("kind")
        if kind and kind not in settings.kinds:
            close = suggest_kinds(kind, settings.kinds)
            r.fail("kind", "不是已配置的会议类型" + (f"，是否为{'、'.join(f'「{c}」' for c in close)}？" if close else f"；可用：{'、'.join(settings.kinds)}，或在 week.toml 的 [kinds] 中添加"))
        chair = r.leader("chair", names)
        leaders = tuple(x for x in r.leaders("leaders", names) if x != chair)
        minutes = r.get("minutes", parse_duration, 0)
        if minutes > MAX_MINUTES:
            r.fail("minutes", f"超过一天（{MAX_MINUTES}分钟）")
            minutes = 0
        min_minutes = r.get("min_minutes", parse_duration)
        if minutes and min_minutes and min_minutes > minutes:
            r.fail("min_minutes", f"长于拟用时长（{minutes}分钟）")
        earliest = r.get("earliest", lambda s: parse_date(s, week))
        latest = r.get("latest", lambda s: parse_date(s, week))
        if earliest and latest and earliest > latest:
            r.fail("latest", f"早于最早日期（{earliest}），时间窗不成立")
        elif (earliest and earliest > sunday) or (latest and latest < week):
            r.fail("earliest" if earliest and earliest > sunday else "latest", f"使时间窗落在计划周（{_span(week)}）之外")
        fixed = r.get("fixed_start", lambda s: parse_datetime(s, week))
        if fixed and not (week <= fixed.date() <= sunday):
            r.fail("fixed_start", f"不在计划周（{_span(week)}）内")
        submitted = r.get("submitted_at", lambda s: _date_or_datetime(s, week))
        attendees = r.number("attendees", unit="人", low=1, default=0)
        request = MeetingRequest(
            id=request_id, title=r.text("title"), kind=kind, organiser=r.text("organiser"), agenda=r.text("agenda"),
            tags=parse_list(r.raw("tags")), chair=chair or "", leaders=leaders, units=parse_list(r.raw("units")),
            attendees=attendees, minutes=minutes, min_minutes=min_minutes, earliest=earliest, latest=latest,
            part_of_day=r.choice("part_of_day", PARTS), fixed_start=_aware(fixed, settings) if fixed else None,
            format=r.choice("format", FORMATS), mergeable=r.get("mergeable", lambda s: parse_bool(s, True), True),
            merge_with=parse_list(r.raw("merge_with")), no_merge_with=parse_list(r.raw("no_merge_with")), in_annual_plan=r.get("in_annual_plan", lambda s: parse_bool(s, False), False),
            urgent=r.get("urgent", lambda s: parse_bool(s, False), False), urgent_reason=r.text("urgent_reason"),
            submitted_at=_aware(submitted, settings) if submitted else None, approval=r.choice("approval", APPROVALS),
            contact=r.text("contact"), note=r.text("note"), row=row, origin=table.origin(row),
        )
        if r.ok:
            requests.append(request)
    ids = set(seen) | set(known)
    for row, values in table.rows:
        for column in ("merge_with", "no_merge_with"):
            if (row, column) in table.bad:
                continue
            for other in parse_list(values.get(column, "")):
                if other not in ids:
                    close = difflib.get_close_matches(other, sorted(ids), n=2, cutoff=0.5)
                    out.add(table, row, column, other, "不是本表中会议申请的编号" + (f"，是否为{'、'.join(f'「{c}」' for c in close)}？" if close else ""))
    return requests


def _date_or_datetime(text: str, near: date) -> datetime:
    try:
        return parse_datetime(text, near)
    except ValueError:
        return datetime.combine(parse_date(text, near), time(0))


def _receptions(table: Table | None, out: Collector, settings: Settings, names: LeaderNames, leaders: list[Leader], rooms: list[Room], week: date) -> list[Reception]:
    receptions: list[Reception] = []
    rows: dict[str, int] = {}  # reception id -> row
    seen: dict[str, int] = {}
    sunday = week + timedelta(days=6)
    room_by_name = {room.name: room.id for room in rooms} | {room.id: room.id for room in rooms}
    for row, values in table.rows if table else []:
        r = RowReader(table, row, values, out, week)
        reception_id = r.unique("id", seen, "编号")
        day = r.get("date", lambda s: parse_date(s, week))
        if day and not week <= day <= sunday:
            r.fail("date", f"不在计划周（{_span(week)}）内；别的周的接待请放到那一周的文件夹")
            day = None
        start = r.get("start", parse_time)
        end = r.get("end", parse_time)
        if start and end and end <= start:
            r.fail("end", f"不晚于开始时间（{start:%H:%M}）")
        place = r.text("place")
        reception = Reception(
            id=reception_id, title=r.text("title"), visitor=r.text("visitor"), letter=r.text("letter"),
            start=datetime.combine(day, start, tzinfo=settings.tz) if day and start else datetime.min.replace(tzinfo=settings.tz),
            end=datetime.combine(day, end, tzinfo=settings.tz) if day and end else datetime.min.replace(tzinfo=settings.tz),
            leaders=r.leaders("leaders", names), place=place, guests=r.number("guests", unit="人", default=0),
            room=room_by_name.get(place),
        )
        if r.ok:
            receptions.append(reception)
            rows[reception.id] = row
    # One leader cannot accompany two receptions at once, nor more in a day than their cap.
    cap = {leader.id: leader.max_per_day for leader in leaders}
    name = {leader.id: leader.name for leader in leaders}
    per_day: dict[tuple[str, date], int] = defaultdict(int)
    ordered = sorted(receptions, key=lambda x: (x.start, rows[x.id]))
    for n, later in enumerate(ordered):
        for earlier in ordered[:n]:
            both = [x for x in later.leaders if x in earlier.leaders]
            if both and earlier.end > later.start:
                out.add(table, rows[later.id], "start", f"{later.start:%H:%M}", f"与第{rows[earlier.id]}行的接待「{earlier.title}」时间重叠，{'、'.join(name[x] for x in both)}不能同时陪同两场")
                break
        for leader in later.leaders:
            per_day[(leader, later.start.date())] += 1
            count = per_day[(leader, later.start.date())]
            if cap.get(leader) is not None and count == cap[leader] + 1:
                out.add(table, rows[later.id], "leaders", name[leader], f"在{later.start:%m月%d日}已有 {count} 场接待，超过其每日会议上限 {cap[leader]}（「领导」表）")
    return receptions


def _commitments(table: Table | None, out: Collector, settings: Settings, names: LeaderNames, week: date) -> list[Commitment]:
    commitments: list[Commitment] = []
    monday = datetime.combine(week, time(0))
    for row, values in table.rows if table else []:
        r = RowReader(table, row, values, out, week)
        leader = r.leader("leader", names)
        start = r.get("start", lambda s: _date_or_datetime(s, week))
        end = r.get("end", lambda s: _date_or_datetime(s, week))
        if start and end and end.time() == time(0) and not re.search(r"\d[:：点]", r.raw("end")):
            end += timedelta(days=1)  # a date alone as the end means "through that day"
        if start and end and end <= start:
            r.fail("end", f"不晚于开始（{start:%Y-%m-%d %H:%M}）")
        elif start and end and (end <= monday or start >= monday + timedelta(days=7)):
            r.fail("start", f"整段不在计划周（{_span(week)}）内；别的周的日程请放到那一周的文件夹")
        commitment = Commitment(
            leader=leader, start=_aware(start, settings) if start else None, end=_aware(end, settings) if end else None,
            title=r.text("title"), away=r.get("away", lambda s: parse_bool(s, False), False), source=table.source,
        )
        if r.ok:
            commitments.append(commitment)
    return commitments


def _busy(folder: Path, leaders: list[Leader], settings: Settings, week: date, out: Collector) -> list[Commitment]:
    """Leaders' existing calendars from busy/*.ics, recurrences expanded within the week only."""
    busy = folder / "busy"
    try:
        info = os.lstat(busy)
    except OSError:
        return []
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        out.add(None, None, None, None, "应是本文件夹内的子文件夹（不能是链接或文件）", source="busy")
        return []
    paths = sorted(p for p in busy.iterdir() if p.name.lower().endswith(".ics"))
    if len(paths) > MAX_BUSY_FILES:
        out.add(None, None, None, None, f"有 {len(paths)} 个 .ics 文件，超过上限 {MAX_BUSY_FILES} 个", source="busy")
        return []
    start = datetime.combine(week, time(0), tzinfo=settings.tz)
    found: list[Commitment] = []
    for path in paths:
        name = f"busy/{path.name}"
        raw = read_regular(path, busy, MAX_ICS_BYTES, out, name)
        if raw is None:
            continue
        try:
            leader_id = _busy_owner(path, leaders)
            found += ics.read_busy(raw, leader=leader_id, start=start, end=start + timedelta(days=7), source=name, max_events=MAX_BUSY_PER_LEADER)
        except ValueError as exc:
            out.add(None, None, None, None, str(exc), source=name)
    return found


def _busy_bounds(commitments: list[Commitment], leaders: list[Leader], out: Collector) -> None:
    per_leader: dict[str, int] = defaultdict(int)
    for c in commitments:
        per_leader[c.leader] += 1
    name = {leader.id: leader.name for leader in leaders}
    for leader, count in sorted(per_leader.items()):
        if count > MAX_BUSY_PER_LEADER:
            out.add(None, None, None, None, f"{name.get(leader, leader)}本周已有日程 {count} 条（「已有日程」表与 busy/ 合计），超过每位领导 {MAX_BUSY_PER_LEADER} 条的上限", source="已有日程")
    if len(commitments) > MAX_BUSY_PER_WEEK:
        out.add(None, None, None, None, f"本周已有日程共 {len(commitments)} 条，超过上限 {MAX_BUSY_PER_WEEK} 条", source="已有日程")


def load_week(folder: Path, *, today: date) -> Problem:
    """Read one week's folder into a Problem, or raise InputErrors listing every problem."""
    folder = Path(folder)
    where = str(folder)  # as the user named it
    if not folder.exists():
        raise InputErrors([InputProblem(source=str(folder), message="找不到此文件夹；应为一周的文件夹（内有 week.toml 和工作簿或 CSV）")], where)
    if not folder.is_dir():
        raise InputErrors([InputProblem(source=str(folder), message="不是文件夹；应为一周的文件夹（内有 week.toml 和工作簿或 CSV）")], where)
    out = Collector()
    toml_path = _entries(folder).get("week.toml")
    text = None
    if toml_path is not None:
        raw = read_regular(toml_path, folder, MAX_TOML_BYTES, out, "week.toml")
        if raw is None:
            raise InputErrors(out.problems, where)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputErrors([InputProblem(source="week.toml", message="不是 UTF-8 编码的文本；请用 UTF-8 保存")], where) from None
        bad = _cell_problem(text, True)
        if bad:
            raise InputErrors([InputProblem(source="week.toml", message=bad)], where)
    settings = load_settings(None, today=today, text=text)
    week = settings.week
    days = week_days(settings, week)  # first: a week the calendar cannot classify stops here
    tables = read_tables(folder, out)
    leaders = _leaders(tables.get("leaders"), out, week)
    rooms = _rooms(tables.get("rooms"), out, week)
    names = LeaderNames(leaders)
    requests = _requests(tables["requests"], out, settings, names, week) if "requests" in tables else []
    receptions = _receptions(tables.get("receptions"), out, settings, names, leaders, rooms, week)
    commitments = _commitments(tables.get("commitments"), out, settings, names, week)
    if "leaders" in tables:  # busy/*.ics are named after leaders
        commitments += _busy(folder, leaders, settings, week, out)
    _busy_bounds(commitments, leaders, out)
    if out.problems:
        raise InputErrors(out.problems, where)
    return Problem(
        settings=settings, week=week, tz=settings.tz, days=days, leaders=tuple(sorted(leaders, key=lambda x: (x.rank, x.id))),
        rooms=tuple(rooms), requests=tuple(requests), receptions=tuple(receptions),
        commitments=tuple(sorted(commitments, key=lambda c: (c.start, c.leader, c.title))), source=str(folder),
    )


def _busy_owner(path: Path, leaders: list[Leader]) -> str:
    stem = path.stem.strip()
    for leader in leaders:
        if stem in (leader.name, leader.id) or (leader.email and stem.lower() == leader.email.lower()):
            return leader.id
    close = difflib.get_close_matches(stem, [leader.name for leader in leaders], n=3, cutoff=0.3)
    raise ValueError(
        "不是以领导命名的文件（文件名应为「领导」表中的姓名、编号或邮箱）"
        + (f"，是否为{'、'.join(f'「{c}.ics」' for c in close)}？" if close else "")
    )


def read_sheet(path: Path, spec: SheetSpec, out: Collector) -> Table:
    """One sheet from a file of its own (a workbook holding the sheet, or its only sheet, or a
    CSV), for files other than the week's folder such as the 年度会议计划; bounded like the week's."""
    path = Path(path)
    raw = read_regular(path, path.parent, max(MAX_WORKBOOK_BYTES, MAX_CSV_BYTES), out, path.name)
    table = None
    if raw is not None and path.suffix.lower() == ".xlsx":
        table = _workbook_tables(path, raw, out, specs=(spec,)).get(spec.key)
    elif raw is not None:
        table = _csv_table(spec, raw, path.name, out)
    if table is None:
        raise InputErrors(out.problems or [InputProblem(source=path.name, message=f"不是可读的「{spec.zh}」表（.xlsx 或 .csv）")], path.name)
    return table


def where_from(source: dict) -> str:
    """「extra.csv，第2行」, 「week.xlsx，工作表「会议申请」，第5行」: a request's input row as the
    ledger keeps it (source, sheet, row), said as input errors say it."""
    sheet = f"，工作表「{source['sheet']}」" if source["sheet"] else ""
    return f"{source['source']}{sheet}，第{source['row']}行"


def load_extra_requests(path: Path, problem: Problem) -> list[MeetingRequest]:
    """Request rows from one more file (a 会议申请 CSV, or a workbook with that sheet), checked
    against a week already read: what `scheduler whatif --add FILE` takes."""
    path = Path(path)
    out = Collector()
    spec = SHEET_BY_KEY["requests"]
    raw = read_regular(path, path.parent, max(MAX_WORKBOOK_BYTES, MAX_CSV_BYTES), out, path.name)
    table = None
    if raw is not None and path.suffix.lower() == ".xlsx":
        table = _workbook_tables(path, raw, out, only=("requests",)).get("requests")
        if table is None and not out.problems:
            out.add(None, None, None, None, f"没有「{spec.zh}」工作表", source=path.name)
    elif raw is not None:
        table = _csv_table(spec, raw, path.name, out)
    if table is not None and not out.problems:
        requests = _requests(table, out, problem.settings, LeaderNames(list(problem.leaders)), problem.week, known=set(problem.request_index))
    if out.problems or table is None:
        raise InputErrors(out.problems or [InputProblem(source=path.name, message="不是可读的会议申请表（.csv 或 .xlsx）")], path.name)
    return requests
