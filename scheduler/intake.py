"""The only reader of the week's folder: week.toml, the workbook or CSVs, and busy/*.ics.

Every cell is read as text (dtype=str) and parsed by `values`, so that a problem can quote what
the user typed, with the file, sheet, row (as Excel numbers it: header = row 1) and column.
All problems of a run are collected and raised together as `InputErrors`.
"""

from __future__ import annotations

import difflib
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pandas as pd

from . import ics
from .config import Settings, load_settings
from .domain import (
    ANY_PART, APPROVED, MORNING, AFTERNOON, ON_SITE, PENDING, RETURNED, TELECONF, VIDEO,
    Commitment, Leader, MeetingRequest, Problem, Reception, Room,
)
from .errors import InputErrors, InputProblem
from .values import (
    clean, parse_bool, parse_date, parse_datetime, parse_duration, parse_int, parse_list, parse_time,
)
from .workcal import week_days


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
        "拟与何会套开 merge_with", "列入年度计划 in_annual_plan", "紧急 urgent", "紧急理由 urgent_reason",
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
PARTS = {"上午": MORNING, "am": MORNING, "下午": AFTERNOON, "pm": AFTERNOON, "不限": ANY_PART, "全天": ANY_PART, "": ANY_PART}
FORMATS = {"现场": ON_SITE, "现场会": ON_SITE, "": ON_SITE, "视频": VIDEO, "视频会议": VIDEO, "电视电话": TELECONF, "电视电话会议": TELECONF}
APPROVALS = {"待审": PENDING, "": PENDING, "同意": APPROVED, "已同意": APPROVED, "退回": RETURNED, "已退回": RETURNED}


@dataclass
class Table:
    """One sheet's rows as text, with where it came from."""

    spec: SheetSpec
    source: str  # file name
    sheet: str | None  # sheet name in a workbook, None for a CSV
    headers: dict[str, str]  # field -> header as written
    rows: list[tuple[int, dict[str, str]]]  # (Excel row number, field -> cleaned text)


class Collector:
    """Collects InputProblems; `at(table, row, field)` binds the location."""

    def __init__(self) -> None:
        self.problems: list[InputProblem] = []

    def add(self, table: Table | None, row: int | None, field: str | None, value: str | None, message: str, *, source: str = "") -> None:
        column = None
        if table is not None and field is not None:
            column = table.headers.get(field) or next(c.zh for c in table.spec.columns if c.field == field)
        self.problems.append(InputProblem(
            source=table.source if table else source,
            sheet=(table.sheet or table.spec.zh) if table else None,
            row=row, column=column, value=value, message=message,
        ))


# --- reading files ----------------------------------------------------------------------------


def _header_field(spec: SheetSpec, header: str) -> str | None:
    text = re.sub(r"[（(].*?[)）]\s*$", "", clean(header)).strip().lower()
    for col in spec.columns:
        if text in (col.zh.lower(), col.en.lower()):
            return col.field
    return None


def _decode_csv(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("gb18030", raw, 0, 1, "neither UTF-8 nor GB18030")


def _table(spec: SheetSpec, frame: pd.DataFrame, source: str, sheet: str | None, out: Collector) -> Table:
    headers: dict[str, str] = {}
    for header in frame.columns:
        field = _header_field(spec, str(header))
        if field and field not in headers:
            headers[field] = str(header).strip()
    table = Table(spec, source, sheet, headers, [])
    for col in spec.columns:
        if col.required and col.field not in headers:
            out.add(table, 1, None, None, f'has no column "{col.zh}" (or "{col.en}"); it is required')
    by_field = {field: header for field, header in headers.items()}
    for index, record in enumerate(frame.to_dict("records")):
        values = {field: clean(record.get(header, "")) for field, header in by_field.items()}
        if any(values.values()):
            table.rows.append((index + 2, values))
    return table


def read_tables(folder: Path, out: Collector) -> dict[str, Table]:
    """The sheets of the week's workbook, or its CSV files, as Tables."""
    workbooks = sorted(p for p in folder.glob("*.xlsx") if not p.name.startswith("~$"))
    chosen = folder / "week.xlsx" if (folder / "week.xlsx").exists() else (workbooks[0] if len(workbooks) == 1 else None)
    tables: dict[str, Table] = {}
    if len(workbooks) > 1 and chosen is None:
        out.add(None, None, None, None, f"holds {len(workbooks)} workbooks ({', '.join(p.name for p in workbooks)}); name the week's one week.xlsx", source=str(folder))
        return tables
    if chosen is not None:
        try:
            frames = pd.read_excel(chosen, sheet_name=None, dtype=str, keep_default_na=False, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many types for a damaged file
            out.add(None, None, None, None, f"cannot be read as an Excel workbook ({exc.__class__.__name__}: {exc})", source=chosen.name)
            return tables
        names = {clean(name).lower(): name for name in frames}
        for spec in SHEETS:
            name = names.get(spec.zh) or names.get(spec.key)
            if name is None:
                if spec.required:
                    out.add(None, None, None, None, f'has no sheet "{spec.zh}" (or "{spec.key}"); it is required', source=chosen.name)
                continue
            tables[spec.key] = _table(spec, frames[name], chosen.name, name, out)
        return tables
    for spec in SHEETS:
        path = next((folder / f"{n}.csv" for n in (spec.zh, spec.key) if (folder / f"{n}.csv").exists()), None)
        if path is None:
            if spec.required:
                out.add(None, None, None, None, f'has no {spec.zh}.csv (or {spec.key}.csv) and no workbook; run "scheduler template" for a blank one', source=str(folder))
            continue
        try:
            text = _decode_csv(path.read_bytes())
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
        except (UnicodeDecodeError, pd.errors.ParserError) as exc:
            out.add(None, None, None, None, f"cannot be read as CSV in UTF-8 or GB18030 ({exc})", source=path.name)
            continue
        tables[spec.key] = _table(spec, frame, path.name, None, out)
    return tables


# --- parsing rows -----------------------------------------------------------------------------


class RowReader:
    """Parses the fields of one row, reporting each bad cell once with its location."""

    def __init__(self, table: Table, row: int, values: dict[str, str], out: Collector, near: date):
        self.table, self.row, self.values, self.out, self.near = table, row, values, out, near
        self.ok = True

    def raw(self, field: str) -> str:
        return self.values.get(field, "")

    def fail(self, field: str, message: str, value: str | None = None) -> None:
        self.ok = False
        self.out.add(self.table, self.row, field, value if value is not None else self.raw(field), message)

    def get(self, field: str, parse, default=None):
        text = self.raw(field)
        if not text:
            if next(c for c in self.table.spec.columns if c.field == field).required:
                self.ok = False
                self.out.add(self.table, self.row, field, None, "is empty; a value is required")
            return default
        try:
            return parse(text)
        except ValueError as exc:
            self.fail(field, str(exc))
            return default

    def text(self, field: str) -> str:
        return self.get(field, lambda s: s, "")

    def unique_id(self, seen: dict[str, int]) -> str:
        """The row's 编号, reported when an earlier row of the sheet has it already."""
        value = self.text("id")
        if value in seen:
            self.fail("id", f"is already used in row {seen[value]}; ids must be unique")
        seen.setdefault(value, self.row)
        return value

    def choice(self, field: str, choices: dict[str, str]) -> str:
        text = self.raw(field)
        key = text.lower()
        if key in choices:
            return choices[key]
        options = "/".join(dict.fromkeys(v for k, v in choices.items() if k))
        self.fail(field, f"is not one of {options}")
        return choices[""] if "" in choices else next(iter(choices.values()))


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
        hint = f"; did you mean {'、'.join(close)}?" if close else "; add them to the sheet \"领导\" first"
        raise ValueError(f"is not a leader in the sheet \"领导\"{hint}")

    def resolve_list(self, text: str) -> tuple[str, ...]:
        ids, bad = [], []
        for name in parse_list(text):
            try:
                ids.append(self.resolve(name))
            except ValueError as exc:
                bad.append(f'"{name}" {exc}')
        if bad:
            raise ValueError("names unknown leaders: " + "; ".join(bad))
        return tuple(dict.fromkeys(ids))


def _leaders(table: Table | None, out: Collector, near: date) -> list[Leader]:
    leaders: list[Leader] = []
    seen: dict[str, int] = {}
    for row, values in table.rows if table else []:
        r = RowReader(table, row, values, out, near)
        leader_id = r.unique_id(seen)
        leader = Leader(
            id=leader_id, name=r.text("name"), title=r.text("title"), rank=r.get("rank", parse_int, 999),
            email=r.text("email") or None, max_per_day=r.get("max_per_day", parse_int), pair=r.text("pair") or None,
        )
        if leader.id and leader.name:  # kept even when another cell is bad, so names still resolve
            leaders.append(leader)
    ids = {leader.id for leader in leaders}
    for row, values in table.rows if table else []:
        pair = values.get("pair", "")
        if pair and pair not in ids:
            out.add(table, row, "pair", pair, "is not the 编号 of a leader in this sheet")
    return leaders


def _rooms(table: Table | None, out: Collector, near: date) -> list[Room]:
    rooms: list[Room] = []
    seen: dict[str, int] = {}
    for row, values in table.rows if table else []:
        r = RowReader(table, row, values, out, near)
        room_id = r.unique_id(seen)
        capacity = r.get("capacity", lambda s: parse_int(s, unit="人"), 0)
        if r.ok and capacity <= 0:
            r.fail("capacity", "must be at least 1")
        room = Room(id=room_id, name=r.text("name"), capacity=capacity, video=r.get("video", lambda s: parse_bool(s, False), False), building=r.text("building"))
        if r.ok:
            rooms.append(room)
    return rooms


def _aware(moment: datetime, settings: Settings) -> datetime:
    return moment.replace(tzinfo=settings.tz)


def _requests(table: Table, out: Collector, settings: Settings, names: LeaderNames, week: date, known: set[str] = frozenset()) -> list[MeetingRequest]:
    requests: list[MeetingRequest] = []
    seen: dict[str, int] = {}
    sunday = week + timedelta(days=6)
    kinds = list(settings.kinds)
    for row, values in table.rows:
        r = RowReader(table, row, values, out, week)
        request_id = r.unique_id(seen)
        kind = r.text("kind")
        if kind and kind not in settings.kinds:
            close = difflib.get_close_matches(kind, kinds, n=2, cutoff=0.6)
            r.fail("kind", f"is not a configured meeting type ({'、'.join(kinds)})" + (f"; did you mean {'、'.join(close)}?" if close else "; add it under [kinds] in week.toml"))
        chair = r.get("chair", names.resolve, "")
        leaders = tuple(x for x in r.get("leaders", names.resolve_list, ()) if x != chair)
        minutes = r.get("minutes", parse_duration, 0)
        min_minutes = r.get("min_minutes", parse_duration)
        if minutes and min_minutes and min_minutes > minutes:
            r.fail("min_minutes", f"is longer than 拟用时长 ({minutes} minutes)")
        earliest = r.get("earliest", lambda s: parse_date(s, week))
        latest = r.get("latest", lambda s: parse_date(s, week))
        if earliest and latest and earliest > latest:
            r.fail("latest", f"is before 最早日期 ({earliest}); the window is impossible")
        elif (earliest and earliest > sunday) or (latest and latest < week):
            r.fail("earliest" if earliest and earliest > sunday else "latest", f"puts the window outside the planned week {week}..{sunday}")
        fixed = r.get("fixed_start", lambda s: parse_datetime(s, week))
        if fixed and not (week <= fixed.date() <= sunday):
            r.fail("fixed_start", f"is outside the planned week {week}..{sunday}")
        submitted = r.get("submitted_at", lambda s: _date_or_datetime(s, week))
        attendees = r.get("attendees", lambda s: parse_int(s, unit="人"), 0)
        if r.ok and attendees <= 0:
            r.fail("attendees", "must be at least 1")
        request = MeetingRequest(
            id=request_id, title=r.text("title"), kind=kind, organiser=r.text("organiser"), agenda=r.text("agenda"),
            tags=parse_list(r.raw("tags")), chair=chair or "", leaders=leaders, units=parse_list(r.raw("units")),
            attendees=attendees, minutes=minutes, min_minutes=min_minutes, earliest=earliest, latest=latest,
            part_of_day=r.choice("part_of_day", PARTS), fixed_start=_aware(fixed, settings) if fixed else None,
            format=r.choice("format", FORMATS), mergeable=r.get("mergeable", lambda s: parse_bool(s, True), True),
            merge_with=parse_list(r.raw("merge_with")), in_annual_plan=r.get("in_annual_plan", lambda s: parse_bool(s, False), False),
            urgent=r.get("urgent", lambda s: parse_bool(s, False), False), urgent_reason=r.text("urgent_reason"),
            submitted_at=_aware(submitted, settings) if submitted else None, approval=r.choice("approval", APPROVALS),
            contact=r.text("contact"), note=r.text("note"), row=row,
        )
        if r.ok:
            requests.append(request)
    ids = set(seen) | set(known)
    for row, values in table.rows:
        for other in parse_list(values.get("merge_with", "")):
            if other not in ids:
                close = difflib.get_close_matches(other, sorted(ids), n=2, cutoff=0.5)
                out.add(table, row, "merge_with", other, "is not the 编号 of a request in this sheet" + (f"; did you mean {'、'.join(close)}?" if close else ""))
    return requests


def _date_or_datetime(text: str, near: date) -> datetime:
    try:
        return parse_datetime(text, near)
    except ValueError:
        return datetime.combine(parse_date(text, near), time(0))


def _receptions(table: Table | None, out: Collector, settings: Settings, names: LeaderNames, rooms: list[Room], week: date) -> list[Reception]:
    receptions: list[Reception] = []
    room_by_name = {room.name: room.id for room in rooms} | {room.id: room.id for room in rooms}
    for row, values in table.rows if table else []:
        r = RowReader(table, row, values, out, week)
        day = r.get("date", lambda s: parse_date(s, week))
        start = r.get("start", parse_time)
        end = r.get("end", parse_time)
        if start and end and end <= start:
            r.fail("end", f"is not after 开始时间 ({start:%H:%M})")
        place = r.text("place")
        reception = Reception(
            id=r.text("id"), title=r.text("title"), visitor=r.text("visitor"), letter=r.text("letter"),
            start=datetime.combine(day, start, tzinfo=settings.tz) if day and start else datetime.min.replace(tzinfo=settings.tz),
            end=datetime.combine(day, end, tzinfo=settings.tz) if day and end else datetime.min.replace(tzinfo=settings.tz),
            leaders=r.get("leaders", names.resolve_list, ()), place=place, guests=r.get("guests", lambda s: parse_int(s, unit="人"), 0),
            room=room_by_name.get(place),
        )
        if r.ok:
            receptions.append(reception)
    return receptions


def _commitments(table: Table | None, out: Collector, settings: Settings, names: LeaderNames, week: date) -> list[Commitment]:
    commitments: list[Commitment] = []
    for row, values in table.rows if table else []:
        r = RowReader(table, row, values, out, week)
        leader = r.get("leader", names.resolve, "")
        start = r.get("start", lambda s: _date_or_datetime(s, week))
        end = r.get("end", lambda s: _date_or_datetime(s, week))
        if start and end and end.time() == time(0) and not re.search(r"\d[:点]", r.raw("end")):
            end += timedelta(days=1)  # a date alone as the end means "through that day"
        if start and end and end <= start:
            r.fail("end", f"is not after 开始 ({start:%Y-%m-%d %H:%M})")
        commitment = Commitment(
            leader=leader, start=_aware(start, settings) if start else None, end=_aware(end, settings) if end else None,
            title=r.text("title"), away=r.get("away", lambda s: parse_bool(s, False), False), source=table.source,
        )
        if r.ok:
            commitments.append(commitment)
    return commitments


def load_week(folder: Path, *, today: date) -> Problem:
    """Read one week's folder into a Problem, or raise InputErrors listing every problem."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputErrors([InputProblem(source=str(folder), message="is not a folder (expected a week's folder with week.toml and the workbook)")], str(folder))
    settings = load_settings(folder / "week.toml", today=today)
    week = settings.week
    days = week_days(settings, week)  # first: a week the calendar cannot classify stops here
    out = Collector()
    tables = read_tables(folder, out)
    leaders = _leaders(tables.get("leaders"), out, week)
    rooms = _rooms(tables.get("rooms"), out, week)
    names = LeaderNames(leaders)
    requests = _requests(tables["requests"], out, settings, names, week) if "requests" in tables else []
    receptions = _receptions(tables.get("receptions"), out, settings, names, rooms, week)
    commitments = _commitments(tables.get("commitments"), out, settings, names, week)
    busy = folder / "busy"
    if busy.is_dir():
        start = datetime.combine(week, time(0), tzinfo=settings.tz)
        for path in sorted(busy.glob("*.ics")):
            try:
                leader_id = _busy_owner(path, leaders)
                commitments += ics.read_busy(path.read_bytes(), leader=leader_id, start=start, end=start + timedelta(days=7), source=f"busy/{path.name}")
            except ValueError as exc:
                out.add(None, None, None, None, str(exc), source=f"busy/{path.name}")
    if out.problems:
        raise InputErrors(out.problems, folder.name or str(folder))
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
        "is not named after a leader (file name = 姓名, 编号 or 邮箱 from the sheet \"领导\")"
        + (f"; did you mean {'、'.join(close)}.ics?" if close else "")
    )


def read_sheet(path: Path, spec: SheetSpec, out: Collector) -> Table:
    """One sheet from a file of its own (a workbook holding the sheet, or its first sheet, or a
    CSV), for files other than the week's folder such as the 年度会议计划."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".xlsx":
            frames = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False, engine="openpyxl")
            names = {clean(name).lower(): name for name in frames}
            sheet = names.get(spec.zh) or names.get(spec.key) or next(iter(frames))
            return _table(spec, frames[sheet], path.name, sheet, out)
        frame = pd.read_csv(io.StringIO(_decode_csv(path.read_bytes())), dtype=str, keep_default_na=False, skipinitialspace=True)
        return _table(spec, frame, path.name, None, out)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, ValueError, StopIteration, zipfile.BadZipFile, KeyError) as exc:
        raise InputErrors([InputProblem(source=path.name, message=f"cannot be read as {spec.zh} ({exc.__class__.__name__}: {exc})")], path.name) from None


def load_extra_requests(path: Path, problem: Problem) -> list[MeetingRequest]:
    """Request rows from one more file (a 会议申请 CSV, or a workbook with that sheet), checked
    against a week already read: what `scheduler whatif --add FILE` takes."""
    path = Path(path)
    out = Collector()
    spec = SHEET_BY_KEY["requests"]
    try:
        if path.suffix.lower() == ".xlsx":
            frames = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False, engine="openpyxl")
            names = {clean(name).lower(): name for name in frames}
            sheet = names.get(spec.zh) or names.get(spec.key) or next(iter(frames))
            table = _table(spec, frames[sheet], path.name, sheet, out)
        else:
            frame = pd.read_csv(io.StringIO(_decode_csv(path.read_bytes())), dtype=str, keep_default_na=False, skipinitialspace=True)
            table = _table(spec, frame, path.name, None, out)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, ValueError) as exc:
        raise InputErrors([InputProblem(source=path.name, message=f"cannot be read as requests ({exc})")], path.name) from None
    requests = _requests(table, out, problem.settings, LeaderNames(list(problem.leaders)), problem.week, known=set(problem.request_index)) if not out.problems else []
    if out.problems:
        raise InputErrors(out.problems, path.name)
    return requests
