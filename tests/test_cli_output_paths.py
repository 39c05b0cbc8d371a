"""A folder or file a command writes, under an existing file: refused before any work, in one
Chinese line and exit 2, never a traceback (found by a new user's trial)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.files import CannotWrite, file_in_the_way, write_files
from tests.conftest import EXAMPLE


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "outfile").write_text("不是文件夹")
    return tmp_path


@pytest.mark.parametrize("args, option", [
    (["plan", str(EXAMPLE), "-o", "outfile/sub"], "'-o' / '--out'"),
    (["plan", str(EXAMPLE), "-o", "outfile"], "'-o' / '--out'"),
    (["template", "outfile/sub"], "'[目录]'"),
    (["plan-year", "template", "outfile/年度.xlsx"], "'[文件]'"),
    (["stats", "--week", "2026-12-07", "--ledger", "ledger.sqlite", "--xlsx", "outfile/x.xlsx"], "'--xlsx'"),
    (["stats", "--charts", "outfile/charts"], "'--charts'"),
    (["stats", "--ledger", "outfile/ledger.sqlite"], "'--ledger'"),
    (["publish", "--to", "outfile/published"], "'--to'"),
    (["notices", "-o", "outfile/n"], "'-o' / '--out'"),
    (["ledger", "reconcile", "units.csv", "--xlsx", "outfile/deep/r.xlsx"], "'--xlsx'"),
])
def test_an_output_path_under_a_file_is_refused_before_any_work(here, args, option):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.stderr.splitlines()[-1] == f"错误：{option} 的值无效：文件夹 'outfile' 是文件（应为文件夹）。"
    assert "正在排定" not in result.stderr  # refused before solving
    assert sorted(p.name for p in here.iterdir()) == ["outfile"]


def test_file_in_the_way_names_the_topmost_file(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "f").write_text("x")
    assert file_in_the_way(tmp_path / "a" / "f" / "g" / "h") == tmp_path / "a" / "f"
    assert file_in_the_way(tmp_path / "a" / "new" / "h") is None
    assert file_in_the_way(tmp_path / "a" / "f") is None  # the path itself is its caller's to judge


def test_write_files_turns_a_failed_mkdir_into_a_typed_error(tmp_path):
    (tmp_path / "outfile").write_text("x")
    with pytest.raises(CannotWrite) as caught:
        write_files(tmp_path / "outfile" / "sub", {"a.txt": b"a"})
    assert str(caught.value) == f"无法创建文件夹 {tmp_path / 'outfile' / 'sub'}：{tmp_path / 'outfile'} 是文件（应为文件夹）。"
    with pytest.raises(CannotWrite) as caught:
        write_files(tmp_path / "outfile", {"a.txt": b"a"})
    assert str(caught.value) == f"无法创建文件夹 {tmp_path / 'outfile'}：{tmp_path / 'outfile'} 是文件（应为文件夹）。"


def test_a_folder_that_cannot_be_made_is_one_chinese_line_even_past_the_check(here, monkeypatch):
    monkeypatch.setattr("scheduler.cli.file_in_the_way", lambda path: None)  # the last line of defence
    result = CliRunner().invoke(cli, ["template", "outfile/sub", "--now", "2026-12-01T09:00:00+08:00"])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.splitlines() == ["错误：无法创建文件夹 outfile/sub：outfile 是文件（应为文件夹）。"]
