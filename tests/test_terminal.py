"""What staff read on the terminal: Chinese wording, --help, tables that align Chinese text,
the progress display, -q, and publish counting events rather than feed copies."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, replace

import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.report import summary_text
from scheduler.terminal import SolveProgress, display_width, number, progress_figures, table

ENGLISH_WORDS = re.compile(r"\b(Usage|Options|Commands|Show this message|default|Error|Try)\b")


def _commands():
    out = []
    for name, command in sorted(cli.commands.items()):
        out.append((name,))
        for sub in sorted(getattr(command, "commands", {})):
            out.append((name, sub))
    return out


@pytest.mark.parametrize("path", [(), *_commands()], ids=lambda p: " ".join(p) or "scheduler")
def test_every_help_is_chinese(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("用法：") and "[选项]" in result.output.splitlines()[0]
    assert "\n选项：\n" in result.output and "显示本帮助并退出。" in result.output
    assert not ENGLISH_WORDS.search(result.output), result.output
    # Every option says something in Chinese.
    command = cli
    for name in path:
        command = command.commands[name]
    for param in command.params:
        if not param.hidden if hasattr(param, "hidden") else True:
            if param.param_type_name == "option":
                assert re.search(r"[\u4e00-\u9fff]", param.help or ""), (path, param.name)


def test_usage_errors_are_chinese():
    result = CliRunner().invoke(cli, ["plan", "--bogus"])
    assert result.exit_code == 2
    assert "错误：没有选项 '--bogus'。" in result.output and "用法：cli plan [选项]" in result.output
    result = CliRunner().invoke(cli, ["plan", "--time-limit", "0"])
    assert result.exit_code == 2 and "错误：'--time-limit' 的值无效" in result.output
    result = CliRunner().invoke(cli, ["nonsense"])
    assert result.exit_code == 2 and "错误：没有命令 'nonsense'。" in result.output


def _column_starts(line: str, cells: list[str]) -> list[int]:
    starts, at = [], 0
    for cell in cells:
        index = line.index(cell, at)
        starts.append(display_width(line[:index]))
        at = index + len(cell)
    return starts


def test_tables_align_chinese_text():
    rows = [("H1", "短会", "12月7日 周一 09:00", "甲"), ("H22", "全市重点项目建设推进会", "9:00", "因王志刚外出")]
    text = table(("编号", "会议名称", "原安排", "原因"), rows)
    lines = [line for line in text.splitlines() if line.strip() and not set(line.strip()) <= set("─━- ")]
    header, *body = lines
    expected = _column_starts(header, ["编号", "会议名称", "原安排", "原因"])
    for line, row in zip(body, rows):
        assert _column_starts(line, list(row)) == expected, text


def _column_texts(text: str, headers: list[str]) -> dict[str, list[str]]:
    """The lines of each column of a rendered table, cut at the headers' display columns."""
    head, _rule, *body = text.splitlines()
    starts = [display_width(head[: head.index(h)]) for h in headers]
    columns: dict[str, list[str]] = {h: [] for h in headers}
    for line in body:
        at, placed = 0, []
        for ch in line:
            placed.append((at, ch))
            at += display_width(ch)
        for k, h in enumerate(headers):
            end = starts[k + 1] if k + 1 < len(starts) else at + 1
            columns[h].append("".join(ch for pos, ch in placed if starts[k] <= pos < end).strip())
    return columns


CLOSING = "，。、；：？！）」』”"


@pytest.mark.parametrize("lead", range(13))
def test_table_cells_break_where_chinese_text_may_break(lead):
    # At 100 columns the reason column folds; wherever the fold falls (moved by `lead`
    # characters), no line starts with closing punctuation and no number is cut in two.
    reason = "会" * lead + "因王志刚12月7日全天外出参加省委会议，改在其返回后的第一个下午；与H15套开，节省参会单位往返时间共计1,383.3分钟。另：市财政局、市住建局到会时间为14:20。"
    headers = ["编号", "会议名称", "原安排", "新安排", "原因"]
    row = ("H12", "全市安全生产工作推进会暨第四季度重点任务调度会议", "12月7日 周一 09:00—10:30", "12月8日 周二 14:30—16:00", reason)
    text = table(headers, [row], width=100)
    assert max(display_width(line) for line in text.splitlines()) <= 100
    columns = _column_texts(text, headers)
    assert all(not line or line[0] not in CLOSING for lines in columns.values() for line in lines), text
    for header, cell in zip(headers, row):
        assert "".join(columns[header]).replace(" ", "") == cell.replace(" ", "")  # nothing lost
        for figure in re.findall(r"\d[\d,.:]*\d", cell):
            assert any(figure in line for line in columns[header]), (figure, text)


def test_numbers_are_rounded_for_reading():
    assert number(110.0) == "110" and number(1383.3333) == "1,383.3" and number(2) == "2"


@dataclass
class _Update:
    objective: float
    bound: float
    seconds: float
    scheduled: int | None = None
    sittings: int | None = None


def test_progress_shows_elapsed_against_the_limit_and_the_solvers_figures():
    stream = io.StringIO()
    with SolveProgress(30, enabled=True, stream=stream) as progress:
        progress(_Update(123456789012345.0, 1.0, 2.0, scheduled=44, sittings=30))
        progress(_Update(1.0, 1.0, 2.5, scheduled=44, sittings=29))  # within the same second: no new line
        progress(_Update(1.0, 1.0, 4.0))
    lines = stream.getvalue().splitlines()
    assert lines[0] == "  求解中：已用 2 秒（计算量按参考机器 30 秒计，最迟 210 秒结束），已排 44 项，场次 30 场"
    assert len(lines) == 2 and lines[1].startswith("  求解中：已用 4 秒（计算量按参考机器 30 秒计，最迟 210 秒结束）")
    assert "123456789" not in stream.getvalue()  # no raw objective values
    assert progress_figures(_Update(0, 0, 0)) == ""


def test_quiet_progress_is_silent():
    stream = io.StringIO()
    with SolveProgress(30, enabled=False, stream=stream) as progress:
        progress(_Update(1.0, 1.0, 5.0, scheduled=3))
    assert stream.getvalue() == ""


def test_quiet_plan_prints_only_the_result(tmp_path):
    from tests.conftest import EXAMPLE, NOW

    result = CliRunner().invoke(cli, ["-q", "plan", str(EXAMPLE), "-o", str(tmp_path), "--now", NOW.isoformat(), "--time-limit", "5"])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert "已写入" in result.stdout


def test_summary_is_chinese_prints_the_solvers_own_lines_and_no_gap(example_problem, example_plan):
    from scheduler.domain import LevelResult, SolveStats

    levels = (
        LevelResult(name="schedule_requests", value=-447, bound=-447, proven=True),
        LevelResult(name="fewer_sittings", value=len(example_plan.sittings), bound=28, proven=False),
    )
    plan = replace(example_plan, stats=SolveStats(status="FEASIBLE", seconds=12.34, levels=levels))
    text = summary_text(example_problem, plan)
    placed = sum(len(s.items) for s in example_plan.sittings)
    assert f"  已排{placed}项（已证明无法多排）；会议{len(example_plan.sittings)}场（下界28场）\n" in text
    assert "未证明最优" in text and "用时 12.3 秒" in text
    assert "gap" not in text.lower() and "差距" not in text  # percentages appear only as burden figures
    assert not re.search(r"[A-Za-z]{3,}", text), text  # ids like H14 are fine, words are not


def test_publish_counts_events_not_feed_copies(example_problem, example_plan):
    from scheduler.publish import prepare
    from tests.conftest import NOW

    first = prepare(example_problem, example_plan, now=NOW, previous=[])
    events = len(example_plan.sittings) + len(example_problem.receptions)
    assert len(first.uids) == events < len(first.events)
    assert len(first.new_uids) == events and not first.changed_uids and not first.cancelled_uids
    again = prepare(example_problem, example_plan, now=NOW, previous=first.events)
    assert not again.new_uids and not again.changed_uids and not again.cancelled_uids
