"""A seeded fuzz test of intake: the example week with its cells, headers, rows, files and
settings mutated. For every case `scheduler check` exits 0, or exits 2 with one located Chinese
line per problem -- never a traceback, never a file written. A few cases also run `plan` on a
small week: exit 0 with every output, or exit 2 with nothing written; nothing outside -o."""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from scheduler.cli import cli
from tests.conftest import EXAMPLE, NOW

SHEET_FILES = ("会议申请.csv", "公务接待.csv", "领导.csv", "会议室.csv", "已有日程.csv")

# Values staff (or an attacker) might type: real forms, near misses, and hostile text.
NASTY = (
    "", " ", "0", "-1", "1e9", "99999999999999999999", "九十", "1.5小时", "90分钟", "上午9:30", "25:00", "下午",
    "2026-12-08", "2026-12-20", "12月32日", "9999-12-31", "0001-01-01", "2026-12-08 9:00", "12月8日下午3点",
    "是", "否", "可以", "常委会", "常务会", "专题会议", "王志刚", "王志钢", "L01", "H01", "H99", "R01",
    "=1+1", "=HYPERLINK(\"http://x\")", "@SUM(A1)", "../../../../ESCAPED", "a\x00b", "a\nb", "a\r\nb", "\x1b[31m",
    "\ufeff编号", "\u202e逆序", "𠀀𠀁", "x" * 2001, "、、、", "H01、H01", "（", "市财政局、" * 50,
)
HEADER_OPS = ("trailing_space", "delete", "duplicate", "rename", "english", "blank")
TOML_EDITS = (
    "", "week = 2026-12-08\n", "week = 9999-12-27\n", "week = 2030-01-07\n", "week = \"x\"\n", "calendar = 5\n",
    "office_hours = 5\n", "[office_hours]\nsummer = \"x\"\n", "[office_hours]\nafternoon = \"11:00-13:00\"\n",
    "[office_hours]\nmornin = \"08:00-11:00\"\n", "[calendar]\nholiday = [2026-12-08]\n", "seed = 99999999999999999\n",
    "travel_buffer_minutes = 100000000\n", "time_limit_seconds = inf\n", "time_limit_seconds = nan\n",
    "grain_minutes = 7\n", "no_meeting_days = [\"礼拜三\"]\n", "no_meeting_days = 3\n", "[kinds.\"专题会\"]\nmin_minutes = 500\n",
    "[kinds.\"常委会\"]\nmax_minutes = \"x\"\n", "[kinds]\nx = 1\n", "deadline = 1\n", "unknown = 1\n", "week = \n",
    "[[office_hours]]\n", "\x00", "timezone = \"Mars/Olympus\"\n", "timezone = 5\n", "workers = 0\n", "deterministic = 1\n",
)
FILE_OPS = ("empty", "bom_only", "delete", "directory", "gb18030", "garbage")

cell_edit = st.tuples(st.just("cell"), st.sampled_from(SHEET_FILES), st.integers(1, 60), st.integers(0, 30),
                      st.one_of(st.sampled_from(NASTY), st.text(max_size=12)))
header_edit = st.tuples(st.just("header"), st.sampled_from(SHEET_FILES), st.integers(0, 30), st.sampled_from(HEADER_OPS))
row_edit = st.tuples(st.just("row"), st.sampled_from(SHEET_FILES), st.integers(1, 60), st.sampled_from(("delete", "duplicate")))
toml_edit = st.tuples(st.just("toml"), st.sampled_from(TOML_EDITS), st.booleans())
workbook_edit = st.tuples(st.just("workbook"), st.sampled_from(("plain", "stale_sheet", "chart_sheet", "typed_cells", "english_names")))
file_edit = st.tuples(st.just("file"), st.sampled_from(SHEET_FILES + ("week.toml",)), st.sampled_from(FILE_OPS))
edits = st.lists(st.one_of(cell_edit, cell_edit, cell_edit, header_edit, row_edit, toml_edit, file_edit, workbook_edit), min_size=1, max_size=4)

FUZZ = settings(max_examples=250, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))

# A located line: a source (file, folder, week.toml, busy/…), then "：", then Chinese.
LOCATED = re.compile(r"^[^：\n]+(，工作表「[^」]+」)?(，第\d+行)?(，「[^」]+」列)?(，设置项 \S+)?：.*[\u4e00-\u9fff]")


def _read(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def _write(path: Path, table: list[list[str]], encoding: str = "utf-8-sig") -> None:
    with open(path, "w", encoding=encoding, newline="", errors="replace") as f:
        csv.writer(f).writerows(table)


def apply(folder: Path, edit: tuple) -> None:
    kind = edit[0]
    if kind == "toml":
        _, text, append = edit
        path = folder / "week.toml"
        before = path.read_text(encoding="utf-8") if append and path.is_file() else ""
        if path.is_dir():
            return
        path.write_text(before + "\n" + text if append else text, encoding="utf-8")
        return
    if kind == "workbook":
        to_workbook(folder, edit[1])
        return
    _, name, *rest = edit
    path = folder / name
    if kind == "file":
        (op,) = rest
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            data = path.read_bytes()
            path.unlink()
        else:
            data = b""
        if op == "empty":
            path.write_bytes(b"")
        elif op == "bom_only":
            path.write_bytes(b"\xef\xbb\xbf")
        elif op == "directory":
            path.mkdir()
        elif op == "gb18030":
            path.write_bytes(data.decode("utf-8-sig", errors="replace").encode("gb18030", errors="replace"))
        elif op == "garbage":
            path.write_bytes(bytes(range(256)) * 3)
        return
    if not path.is_file():
        return
    try:
        table = _read(path)
    except (UnicodeDecodeError, csv.Error):
        return
    if not table:
        return
    if kind == "cell":
        row, col, value = rest
        if row < len(table) and col < len(table[row]):
            table[row][col] = value
    elif kind == "header":
        col, op = rest
        header = table[0]
        if col < len(header):
            if op == "trailing_space":
                header[col] += " "
            elif op == "delete":
                table = [r[:col] + r[col + 1:] for r in table]
            elif op == "duplicate":
                table = [r + [r[col] if col < len(r) else ""] for r in table]
            elif op == "rename":
                header[col] = header[col][::-1]
            elif op == "english":
                header[col] = {"编号": "id", "姓名": "name", "拟用时长": "minutes", "参会人数": "attendees"}.get(header[col], header[col])
            elif op == "blank":
                header[col] = ""
    elif kind == "row":
        row, op = rest
        if 0 < row < len(table):
            table = table[:row] + table[row + 1:] if op == "delete" else table[: row + 1] + [table[row]] + table[row + 1:]
    _write(path, table)


def to_workbook(folder: Path, variant: str) -> None:
    """The folder's sheet CSVs (those still readable) as one week.xlsx, in a variant."""
    from datetime import datetime

    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.chart import BarChart

    wb = Workbook()
    wb.remove(wb.active)
    english = {"会议申请": "requests", "公务接待": "receptions", "领导": "leaders", "会议室": "rooms", "已有日程": "commitments"}
    for name in SHEET_FILES:
        path = folder / name
        if not path.is_file():
            continue
        try:
            table = _read(path)
        except (UnicodeDecodeError, csv.Error):
            continue
        path.unlink()
        title = name.removesuffix(".csv")
        ws = wb.create_sheet(english[title] if variant == "english_names" else title)
        for row in table:
            if variant == "typed_cells":  # numbers and dates as Excel types, as staff's files have them
                row = [int(c) if c.isdigit() and len(c) < 9 else datetime.fromisoformat(c) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", c) else c for c in row]
            ws.append([ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in row])  # openpyxl refuses them
    if variant == "stale_sheet" and wb.sheetnames:
        stale = wb.create_sheet(wb.sheetnames[0] + " ")
        stale.sheet_state = "hidden"
    if variant == "chart_sheet":
        wb.create_chartsheet("已有日程" if "已有日程" not in wb.sheetnames else "图表").add_chart(BarChart())
    if wb.sheetnames:
        wb.save(folder / "week.xlsx")


def _snapshot(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_size for p in root.rglob("*") if p.is_file() or p.is_dir()}


def _assert_answer(result, *, allow_ok: bool = True) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.exit_code in ((0, 2) if allow_ok else (2,)), result.output
    if result.exit_code == 2:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert lines, result.output
        *problems, summary = lines
        assert summary.startswith("错误：") and re.search(r"[\u4e00-\u9fff]", summary), summary
        for line in problems:
            assert LOCATED.match(line), line


@FUZZ
@given(edits)
def test_check_answers_every_mutated_week(edit_list):
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        root = Path(tmp)
        folder = root / "week"
        shutil.copytree(EXAMPLE, folder)
        for edit in edit_list:
            apply(folder, edit)
        before = _snapshot(root)
        result = CliRunner().invoke(cli, ["-q", "check", str(folder), "--now", NOW.isoformat(), "--ledger", str(root / "none.sqlite")])
        _assert_answer(result)
        event(f"check exit {result.exit_code}")
        assert _snapshot(root) == before  # check writes nothing


def _small_week(folder: Path) -> None:
    """The example week cut to its first requests and without receptions, so that plan is quick."""
    table = _read(folder / "会议申请.csv")[:5]
    merge = table[0].index("拟与何会套开")
    _write(folder / "会议申请.csv", [row[:merge] + [""] + row[merge + 1:] if n else row for n, row in enumerate(table)])
    _write(folder / "公务接待.csv", _read(folder / "公务接待.csv")[:1])


@settings(max_examples=6, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.one_of(cell_edit.filter(lambda e: e[1] != "会议申请.csv" or e[2] < 5), toml_edit.filter(lambda e: "week" not in e[1])), min_size=1, max_size=2))
def test_plan_writes_all_or_nothing_and_only_into_its_folder(edit_list):
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        root = Path(tmp)
        folder = root / "week"
        shutil.copytree(EXAMPLE, folder)
        _small_week(folder)
        for edit in edit_list:
            apply(folder, edit)
        before = _snapshot(root)
        out = root / "out"
        result = CliRunner().invoke(cli, ["-q", "plan", str(folder), "-o", str(out), "--time-limit", "1", "--now", NOW.isoformat(), "--ledger", str(root / "none.sqlite")])
        _assert_answer(result)
        event(f"plan exit {result.exit_code}")
        after = _snapshot(root)
        outside = {p for p in set(after) - set(before) if p != "out" and not p.startswith("out/")}
        assert not outside, outside
        if result.exit_code == 0:
            assert all((out / name).is_file() for name in ("plan.json", "plan.xlsx", "report.html", "all.ics"))
        else:
            assert not out.exists() or not any(out.iterdir())


# --- week.toml: any TOML value under any key gives Settings or located problems ----------------------

_scalars = st.one_of(
    st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.text(max_size=12),
    st.dates(), st.datetimes(), st.sampled_from(["08:30-12:00", "14:30-17:30", "05-01", "09-30", "周三", "Asia/Shanghai", "专题会"]),
)
_toml_values = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(
    ["morning", "afternoon", "summer", "from", "to", "holidays", "workdays", "max_minutes", "min_minutes", "max_attendees", "专题会", "x"]), inner, max_size=4)), max_leaves=8)


@settings(max_examples=300, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(st.dictionaries(st.sampled_from(sorted(__import__("scheduler.config", fromlist=["KNOWN_KEYS"]).KNOWN_KEYS) + ["x", "holiday"]), _toml_values, max_size=4))
def test_any_settings_table_gives_settings_or_located_problems(table):
    from scheduler.config import Settings, settings_from_mapping
    from scheduler.errors import SettingsErrors

    try:
        assert isinstance(settings_from_mapping(table), Settings)
    except SettingsErrors as exc:
        assert exc.lines() and all(line.startswith("week.toml，设置项 ") and re.search(r"[\u4e00-\u9fff]", line) for line in exc.lines()), exc.lines()
