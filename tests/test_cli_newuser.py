"""Messages a new user's trial found wrong, each through the CLI: exact Chinese, exit 2, no traceback."""

from __future__ import annotations

import csv

from click.testing import CliRunner

from scheduler.cli import cli


def _run(*args):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    return result.stderr.splitlines()


def test_a_missing_required_column_is_one_line_not_one_per_row(example_copy):
    path = example_copy / "会议申请.csv"
    with open(path, encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    col = table[0].index("主持领导")
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(r[:col] + r[col + 1:] for r in table)
    lines = _run("check", str(example_copy))
    assert lines[:-1] == ["会议申请.csv，工作表「会议申请」，第1行：缺少「主持领导」列（或英文「chair」）；此列必填"]
    assert lines[-1] == f"错误：{example_copy} 中有 1 处问题；未作任何安排，也未写出任何文件。"


def test_a_folder_that_does_not_exist_is_told_so_and_named_as_typed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("x")
    assert _run("plan", "no/such/folder") == [
        "no/such/folder：找不到此文件夹；应为一周的文件夹（内有 week.toml 和工作簿或 CSV）",
        "错误：no/such/folder 中有 1 处问题；未作任何安排，也未写出任何文件。",
    ]
    assert _run("check", "afile") == [
        "afile：不是文件夹；应为一周的文件夹（内有 week.toml 和工作簿或 CSV）",
        "错误：afile 中有 1 处问题；未作任何安排，也未写出任何文件。",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]
