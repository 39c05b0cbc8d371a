"""plan.xlsx as a 两办 circulates it: read back with openpyxl, and rendered by LibreOffice
(headless, Debian's libreoffice-calc-nogui) to PDF to check the printed pages."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from scheduler.excel import INTERNAL_SHEET, MAIN_SHEET, lines_needed, plan_workbook
from tests.conftest import NOW, at, make_plan, make_problem, make_request, make_sitting

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
FONTCONFIG = Path(__file__).resolve().parent.parent / "docs" / "fontconfig" / "65-scheduler-cjk.conf"
PDFTOTEXT = shutil.which("pdftotext")


@pytest.fixture(scope="module")
def book_bytes(example_problem, example_plan):
    return plan_workbook(example_problem, example_plan, now=NOW)


@pytest.fixture(scope="module")
def book(book_bytes):
    return load_workbook(io.BytesIO(book_bytes))


def texts(ws) -> list[str]:
    return [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]


def test_sheets_in_order(book, example_problem):
    names = book.sheetnames
    assert names[0] == MAIN_SHEET and names[-1] == INTERNAL_SHEET
    assert names[1:-1] == [leader.name for leader in example_problem.leaders]  # protocol order


def test_title_office_date_and_columns(book):
    ws = book[MAIN_SHEET]
    assert ws["A1"].value == "XX市一周会议安排表（2026年12月7日—12月11日）"
    assert ws["A1"].font.name == "黑体" and "A1:I1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A2"].value == "制表单位：XX市委办公室　XX市政府办公室"
    assert ws["F2"].value == "制表日期：2026年12月4日"
    assert [c.value for c in ws[3]] == ["日期", "星期", "时间", "会议名称", "地点", "主持", "出席领导", "参会单位", "承办单位（联系人）"]
    assert ws["D4"].font.name == "宋体"


def test_days_are_real_dates_merged_per_day(book, example_problem):
    ws = book[MAIN_SHEET]
    dates = [(c.row, c.value) for c in ws["A"][3:] if isinstance(c.value, datetime)]
    assert [d.date() for _, d in dates] == [d.date for d in example_problem.days]
    assert ws.cell(row=dates[0][0], column=1).number_format == 'm"月"d"日"'
    merged = {str(r) for r in ws.merged_cells.ranges}
    for (row, _), (following, _) in zip(dates, dates[1:]):
        if following - row > 1:
            assert f"A{row}:A{following - 1}" in merged and f"B{row}:B{following - 1}" in merged


def test_a_combined_sitting_shows_each_item_with_its_own_time_and_attendees(book, example_problem, example_plan):
    ws = book[MAIN_SHEET]
    rows = {r[3]: r for r in ws.iter_rows(min_row=4, values_only=True) if r[3]}
    s = next(s for s in example_plan.sittings if len(s.items) > 1 and any(set(i.leaders) - {s.chair} for i in s.items))
    for n, item in enumerate(s.items, 1):
        r = example_problem.request_index[item.request_id]
        name = next(k for k in rows if r.title in k)
        row = rows[name]
        assert name.startswith(f"【套开{n}/{len(s.items)}】")
        assert row[2] == f"{item.start.hour}:{item.start.minute:02d}—{item.end.hour}:{item.end.minute:02d}"
        others = [example_problem.leader_index[x].name for x in example_problem.by_rank(item.leaders) if x != s.chair]
        assert (row[6] or "") == "、".join(others)  # only this item's leaders, in protocol order
        assert row[7] == "、".join(item.units)
        assert row[8].startswith(r.organiser)


def test_pending_requests_are_marked(book, example_problem, example_plan):
    ws = book[MAIN_SHEET]
    names = [str(c.value) for c in ws["D"] if c.value]
    placed = {i.request_id for s in example_plan.sittings for i in s.items}
    pending = [r for r in example_problem.requests if r.approval == "待审" and r.id in placed]
    assert pending
    for r in pending:
        assert any(r.title in n and "（待审）" in n for n in names), r.title
    assert any("（待审）”的会议尚待审批" in t for t in texts(ws))


def test_private_commitments_never_reach_a_circulated_sheet(book, example_problem):
    private = {c.title for c in example_problem.commitments}
    assert private
    for ws in book.worksheets:
        found = {t for t in private for text in texts(ws) if t in text}
        if ws.title == INTERNAL_SHEET:
            continue  # the internal sheet may name them in its reasons
        assert not found, (ws.title, found)


def test_leader_sheets_are_titled_with_name_and_title(book, example_problem):
    for leader in example_problem.leaders:
        ws = book[leader.name]
        assert ws["A1"].value.startswith(f"{leader.name}（{leader.title}）活动安排")


def test_internal_sheet_is_marked_and_lists_what_was_not_scheduled_first(book, example_plan):
    ws = book[INTERNAL_SHEET]
    assert "内部" in ws["A1"].value and "内部" in ws.oddHeader.right.text
    ids = [r[0] for r in ws.iter_rows(min_row=3, values_only=True) if r[0]]
    missing = sorted(o.request_id for o in example_plan.outcomes if not o.scheduled)
    assert ids[: len(missing)] == missing
    assert any("孙海涛" in (r[6] or "") for r in ws.iter_rows(min_row=3, values_only=True) if r[0] == "H14")


def test_every_sheet_prints_a4_landscape_one_page_wide_with_titles_and_page_numbers(book):
    for ws in book.worksheets:
        assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0, ws.title
        assert ws.print_title_rows, ws.title
        assert "&P" in ws.oddFooter.center.text, ws.title


def test_widths_and_heights_show_every_character(book):
    from openpyxl.utils import get_column_letter

    for ws in book.worksheets:
        merged = {c for r in ws.merged_cells.ranges for c in (r.coord.split(":")[0],)}
        for row in ws.iter_rows(min_row=3):
            for cell in row:
                if not isinstance(cell.value, str) or cell.coordinate in merged:
                    continue
                width = ws.column_dimensions[get_column_letter(cell.column)].width
                assert width and width >= 5, (ws.title, cell.coordinate)
                height = ws.row_dimensions[cell.row].height
                assert height and height >= lines_needed(cell.value, width) * 15, (ws.title, cell.coordinate, cell.value)


def test_lines_needed_counts_chinese_as_two_columns():
    assert lines_needed("会议" * 10, 42) == 1  # 20 characters take 40 columns
    assert lines_needed("会议" * 10, 22) == 2
    assert lines_needed("abcd" * 5, 22) == 1
    assert lines_needed("a\nb", 10) == 2


def test_text_that_looks_like_a_formula_stays_text():
    evil = ["=HYPERLINK(\"http://x\",\"点我\")", "+1+1", "-2+3", "@SUM(A1)"]
    requests = [make_request(id=f"A{n}", title=t, organiser=t, units=(t,), contact=t) for n, t in enumerate(evil)]
    problem = make_problem(requests, days=2)
    plan = make_plan(*(make_sitting(r, at(0, f"{9 + n}:00")) for n, r in enumerate(requests)))
    book = load_workbook(io.BytesIO(plan_workbook(problem, plan, now=NOW)))
    seen = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value[:1] in "=+-@"]
    assert seen
    for cell in seen:
        assert cell.data_type == "s", (cell.coordinate, cell.value)
    assert any(c.value == evil[0] for c in seen)


def test_the_same_plan_gives_the_same_bytes(example_problem, example_plan, book_bytes):
    assert plan_workbook(example_problem, example_plan, now=NOW) == book_bytes


# --- printed by LibreOffice ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf_pages(book_bytes, tmp_path_factory):
    if SOFFICE is None or PDFTOTEXT is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice or poppler-utils is missing (apt-get install libreoffice-calc-nogui poppler-utils); .ci/run installs them")
        pytest.skip("LibreOffice (libreoffice-calc-nogui) or poppler-utils is not installed")
    folder = tmp_path_factory.mktemp("print")
    (folder / "plan.xlsx").write_bytes(book_bytes)
    # a machine without the office faces, set up as the README says (docs/fontconfig/)
    (folder / "fonts.conf").write_text(
        f'<?xml version="1.0"?><fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf</include><include>{FONTCONFIG}</include></fontconfig>\n',
        encoding="utf-8",
    )
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless", "--convert-to", "pdf", "--outdir", str(folder), str(folder / "plan.xlsx")],
        check=True, capture_output=True, timeout=240, env={**os.environ, "FONTCONFIG_FILE": str(folder / "fonts.conf")},
    )
    pdf = folder / "plan.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    texts = [
        subprocess.run([PDFTOTEXT, "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
        for n in range(1, pages + 1)
    ]
    return info, texts, subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout


def test_printed_on_a4_landscape(pdf_pages):
    info, _, _ = pdf_pages
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert (round(width), round(height)) == (842, 595)


def test_the_circulated_table_prints_one_page_wide(pdf_pages, example_problem, example_plan):
    _, pages, _ = pdf_pages
    first = [n for n, text in enumerate(pages) if re.search(r"^\s*一周会议安排表\s+第 \d+ 页", text, re.M)]  # its footer
    assert first[0] == 0 and first == list(range(len(first)))  # the table's pages come first
    assert 1 <= len(first) <= 4
    for n in first:  # one page wide: every page holds the whole header row, left to right
        # pdftotext may set the header's cells on two text lines when a cell wraps: read the
        # page's text down to the header's last column and look for every column there.
        top = pages[n][: pages[n].index("承办单位（联系人）") + len("承办单位（联系人）")]
        assert all(word in top for word in ("日期", "星期", "时间", "会议名称", "地点", "主持", "出席领导", "参会单位")), top
        assert "第 " in pages[n] and " 页" in pages[n]  # page number in the footer
    body = re.sub(r"\s+", "", "".join(pages[n] for n in first))
    for s in example_plan.sittings:
        for item in s.items:
            r = example_problem.request_index[item.request_id]
            assert r.title[:8] in body, r.title
    # one page per leader (a week of one leader fits a page), then the internal sheet
    assert len(pages) <= len(first) + len(example_problem.leaders) + 4


def test_printed_characters_come_from_chinese_faces(pdf_pages):
    """宋体 and 黑体 are named (the office's machines have them); on a machine without them, set up
    with docs/fontconfig/, the table prints in a Song (serif) face and the headings in a Hei (sans)
    face of Simplified Chinese, and every character comes from a Chinese face: no boxes."""
    _, pages, fonts_used = pdf_pages
    faces = [line.split()[0] for line in fonts_used.splitlines()[2:] if line.strip()]
    assert any("SerifCJK" in face for face in faces) and any("SansCJK" in face for face in faces), faces
    text = "".join(pages)
    assert "\ufffd" not in text and "一周会议安排表" in text
