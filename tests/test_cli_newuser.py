"""Messages a new user's trial found wrong, each through the CLI: exact Chinese, exit 2, no traceback."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from scheduler.cli import chinese_sentences, cli


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


@pytest.mark.parametrize("args, last", [
    (["plan", "--now", "明天"], "错误：--now 的值 '明天' 不是 ISO 日期时间（例如 2026-12-04T17:00:00+08:00）。"),
    (["plan", "calendars/example", "extra"], "错误：多余的参数（extra）。"),
    (["stats", "2026-13-01"], "错误：日期 '2026-13-01' 无效：不是日历上存在的日期。"),
    (["stats", "--ledger", "none.sqlite"], "错误：none.sqlite：还没有台账；'scheduler publish' 会创建它。"),
    (["plan-year", "template", "exists.xlsx"], "错误：exists.xlsx 已存在，不覆盖；请换一个文件名。"),
    (["plan", "--time-limit", "abc"], "错误：'--time-limit' 的值无效：'abc' 不是有效的数值。"),  # ended already: one 。
    (["plna"], "错误：没有命令 'plna'。是否想用 'plan'？"),
])
def test_every_error_line_ends_as_a_chinese_sentence(tmp_path, monkeypatch, args, last):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "exists.xlsx").write_bytes(b"")
    assert _run(*args)[-1] == last


@pytest.mark.parametrize("message, expected", [
    ("多余的参数（extra）", "多余的参数（extra）。"),
    ("已有日程。", "已有日程。"),
    ("是否想用 'plan'？", "是否想用 'plan'？"),
    ("他说「好。」", "他说「好。」"),
    ("缺少参数 '文件'.", "缺少参数 '文件'。"),
])
def test_chinese_sentences_ends_the_last_sentence_once(message, expected):
    assert chinese_sentences(message) == expected
