"""Chinese fonts, defined once in scheduler/fonts.py: the charts are drawn with an installed
Simplified Chinese face that has every character they draw (never boxes); the documents name the
office's faces whatever this machine has (so their bytes do not depend on it), with fallbacks
where the format has a place for them."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from scheduler import fonts
from scheduler.excel import plan_workbook
from scheduler.notices import notices
from scheduler.report import report_html
from tests.conftest import NOW
from tests.test_stats import needs_cjk_font

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def test_every_face_has_fallbacks_ending_in_a_free_chinese_face():
    for face in (fonts.SONG, fonts.HEI, fonts.FANGSONG, fonts.XIAOBIAOSONG, fonts.YAHEI):
        stack = fonts.css_stack(face)
        assert stack.startswith(f'"{face.name}", "{face.alias}"') and stack.endswith(face.generic)
        assert any(free in face.fallbacks for free in ("Noto Serif CJK SC", "Noto Sans CJK SC")), face


def test_the_installed_face_is_simplified_chinese_and_is_the_one_drawn():
    needs_cjk_font()
    from matplotlib import font_manager

    from scheduler.charts import font_properties

    font = fonts.installed(fonts.SCREEN)
    assert "JP" not in font.family and "KR" not in font.family and "TC" not in font.family and "HK" not in font.family
    drawn = font_manager.findfont(font_properties(font), fallback_to_default=False)
    assert (str(drawn), getattr(drawn, "face_index", font.index)) == (font.path, font.index) or str(drawn) == font.path
    assert font_manager.get_font(drawn).family_name == font.family  # the SC face of a .ttc, not its first (JP) one
    assert not fonts.missing_glyphs(font, ["一周会议安排表：申请（项）召开（场）只减不增，去年同期；无去年同期记录。"])
    assert fonts.missing_glyphs(font, ["\U000F0000"]) == "\U000F0000"


def test_every_character_of_every_chart_is_in_the_face_that_draws_it():
    needs_cjk_font()
    from tests.test_charts import MONTH, NONE_BEFORE

    from scheduler.charts import chart_figures

    font = fonts.installed(fonts.SCREEN)
    for name, fig in chart_figures("month", MONTH, NONE_BEFORE, [None] * 48 + [3, 2, 4], [None] * 51).items():
        for text in fig.findobj(lambda o: hasattr(o, "get_text") and hasattr(o, "get_fontproperties")):
            value = text.get_text()
            if CJK.search(value):
                assert text.get_fontproperties().get_family() == [font.family], (name, value)
                assert not fonts.missing_glyphs(font, [value]), (name, value)


def test_the_workbook_names_the_office_faces(example_problem, example_plan):
    book = load_workbook(io.BytesIO(plan_workbook(example_problem, example_plan, now=NOW)))
    names = {cell.font.name for ws in book.worksheets for row in ws.iter_rows() for cell in row if cell.value is not None}
    assert names <= {fonts.BODY.name, fonts.HEADING.name}, names
    assert fonts.BODY.name in names and fonts.HEADING.name in names


def test_the_notices_name_the_official_faces_and_declare_their_fallbacks(example_problem, example_plan):
    from lxml import etree

    data = next(iter(notices(example_problem, example_plan, now=NOW).values()))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        body = etree.fromstring(z.read("word/document.xml"))
        table = etree.fromstring(z.read("word/fontTable.xml"))
    used = {f.get(f"{W}eastAsia") for f in body.iter(f"{W}rFonts")} - {None}
    assert used == {fonts.NOTICE_TITLE.name, fonts.NOTICE_BODY.name, fonts.HEADING.name}
    declared = {f.get(f"{W}name"): f for f in table.iter(f"{W}font")}
    for face in (fonts.NOTICE_TITLE, fonts.NOTICE_BODY, fonts.HEADING):
        font = declared[face.name]
        assert font.find(f"{W}altName").get(f"{W}val") == face.alias
        assert font.find(f"{W}charset").get(f"{W}val") == "86"  # GB2312: substitute with a Chinese face


def test_the_week_page_names_a_stack_of_screen_faces(example_problem, example_plan):
    html = report_html(example_problem, example_plan, now=NOW)
    assert f"font-family: {fonts.css_stack(fonts.SCREEN)};" in html


@pytest.mark.parametrize("face", [fonts.BODY, fonts.HEADING, fonts.NOTICE_BODY, fonts.NOTICE_TITLE, fonts.SCREEN], ids=lambda f: f.name)
def test_each_role_finds_an_installed_face(face):
    needs_cjk_font()
    font = fonts.installed(face)
    assert font.family in (face.name, face.alias, *face.fallbacks, *fonts.SCREEN.fallbacks)
    assert ord("会") in font.covered and ord("议") in font.covered


def test_the_shipped_fontconfig_file_is_the_generated_one():
    shipped = Path(__file__).resolve().parent.parent / "docs" / "fontconfig" / "65-scheduler-cjk.conf"
    assert shipped.read_text(encoding="utf-8") == fonts.fontconfig()


def test_with_the_fontconfig_file_the_office_names_find_free_faces_of_their_kind(tmp_path):
    needs_cjk_font()
    if shutil.which("fc-match") is None:
        pytest.skip("fontconfig's fc-match is not installed")
    conf = tmp_path / "fonts.conf"
    shipped = Path(__file__).resolve().parent.parent / "docs" / "fontconfig" / "65-scheduler-cjk.conf"
    conf.write_text(f'<?xml version="1.0"?><fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf</include><include>{shipped}</include></fontconfig>\n', encoding="utf-8")

    def match(name: str) -> str:
        return subprocess.run(["fc-match", "-f", "%{family[0]}", name], env={**os.environ, "FONTCONFIG_FILE": str(conf)}, capture_output=True, text=True, check=True).stdout

    installed = {f for f in (fonts.installed(fonts.SONG).family, fonts.installed(fonts.HEI).family)}
    if not installed <= {"Noto Serif CJK SC", "Noto Sans CJK SC"}:
        pytest.skip(f"this machine's Chinese faces are {installed}")
    for name in (fonts.SONG.name, fonts.SONG.alias, fonts.FANGSONG.name, fonts.XIAOBIAOSONG.name):
        assert match(name) == "Noto Serif CJK SC", name
    for name in (fonts.HEI.name, fonts.HEI.alias, fonts.YAHEI.name):
        assert match(name) == "Noto Sans CJK SC", name


def test_the_other_workbooks_name_the_office_body_face_too():
    from scheduler.annual import ANNUAL_EXAMPLE, ANNUAL_SHEET
    from scheduler.config import DEFAULT_KINDS
    from scheduler.template import template_files
    from scheduler.yearbooks import blank_workbook, report_workbook

    books = [
        template_files(now=NOW, no_meeting_days=())["week.xlsx"],
        blank_workbook(ANNUAL_SHEET, ANNUAL_EXAMPLE, kinds=list(DEFAULT_KINDS), now=NOW),
        report_workbook([("汇总", ("项目", "数值"), [("会议", 3)])], now=NOW),
    ]
    for data in books:
        book = load_workbook(io.BytesIO(data))
        names = {cell.font.name for ws in book.worksheets for row in ws.iter_rows() for cell in row if cell.value is not None}
        assert names == {fonts.BODY.name}, names
