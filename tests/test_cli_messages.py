"""Every message Click itself prints is Chinese: usage errors of every command (unknown option,
a bad value for each typed option, a missing value, a missing or extra argument, a bad choice,
a path that does not exist, an unknown command), --help, Aborted!, whatever LANG says.

English that may remain is what the user types or reads as a name: command and option names,
choice values, file names, and a few technical names (JSON, ISO, ...)."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import polib
import pytest
from click.testing import CliRunner

from scheduler import cli as cli_module
from scheduler.cli import CLICK_MESSAGES, cli

CJK = re.compile(r"[\u4e00-\u9fff]")
# Names a staff member reads as names, not as English prose.
TECHNICAL = {"ISO", "JSON", "CSV", "HTTP", "SQLite", "PNG", "SHA", "http", "https", "webcal", "Ctrl", "xlsx", "docx", "toml", "ics"}
FILE_NAME = re.compile(r"https?://\S+|(?:/[\w.-]+)+/?|(?:[\w.-]+/)*[\w.-]+\.(?:toml|xlsx|json|sqlite|docx|ics|png|csv|html)\b|calendars/[\w/-]*|new-week/?|mon\.\.sun")


def _commands(group: click.Group = cli, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    out = [(path, group)]
    for name in sorted(group.commands):
        command = group.commands[name]
        if isinstance(command, click.Group):
            out.extend(_commands(command, (*path, name)))
        else:
            out.append(((*path, name), command))
    return out


COMMANDS = _commands()
LEAVES = [(path, command) for path, command in COMMANDS if not isinstance(command, click.Group)]


def _names() -> set[str]:
    """Every command name, option name and choice value: words the user types."""
    names = {"cli", "scheduler"}
    for path, command in COMMANDS:
        names.update(path)
        for param in command.params:
            if isinstance(param, click.Option):
                for opt in (*param.opts, *param.secondary_opts):
                    names.update(re.findall(r"[A-Za-z]+", opt))
            if isinstance(param.type, click.Choice):
                names.update(str(c) for c in param.type.choices)
    return names


NAMES = _names()


def english_words(text: str, *, typed: tuple[str, ...] = ()) -> list[str]:
    """Latin words of three letters or more that are neither names, file names, technical names
    nor what the user typed."""
    text = FILE_NAME.sub(" ", text)
    for value in sorted(typed, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", " ", text)
    text = re.sub(r"--?[A-Za-z][\w-]*", " ", text)  # option names
    text = re.sub(r"\b[a-z]+(?:_[a-z]+)+\b", " ", text)  # week.toml keys (time_limit_seconds)
    return [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in NAMES and w not in TECHNICAL]


ASCII_END = re.compile(r"[.!?,;:]$")  # a sentence ended the English way
SPACED = re.compile(r"[。？！；：，] ")  # Chinese puts no space after its punctuation
ASCII_AFTER_CHINESE = re.compile(r"[\u4e00-\u9fff）][.!?,;:](?:\s|$)")


def ends_the_chinese_way(text: str) -> bool:
    return not (ASCII_END.search(text) or SPACED.search(text) or ASCII_AFTER_CHINESE.search(text))


def _invoke(args: list[str]):
    return CliRunner().invoke(cli, args)


# --- the catalogue covers Click ---------------------------------------------------------------

def _click_messages() -> set[tuple[str, str | None]]:
    """(msgid, msgid_plural) of every literal message Click marks for gettext."""
    found = set()
    for source in Path(click.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "ngettext"):
                texts = [a.value for a in node.args[:2] if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                if node.func.id == "_" and texts:
                    found.add((texts[0], None))
                elif node.func.id == "ngettext" and len(texts) == 2:
                    found.add((texts[0], texts[1]))
    return found


def test_every_click_message_has_a_chinese_translation():
    catalogue = {e.msgid: e for e in polib.pofile(str(CLICK_MESSAGES))}
    messages = _click_messages()
    assert len(messages) > 50  # the scan found Click's messages
    missing = [m for m, _ in messages if m not in catalogue]
    assert not missing, f"add these to {CLICK_MESSAGES.name}: {missing}"
    for msgid, plural in messages:
        entry = catalogue[msgid]
        translated = entry.msgstr_plural[0] if plural else entry.msgstr
        assert translated and (CJK.search(translated) or msgid == "d"), msgid
        assert translated.strip() != msgid
        # a translation uses only the placeholders Click fills in
        allowed = set(re.findall(r"\{(\w+)", msgid + (plural or ""))) | set(re.findall(r"%\((\w+)\)", msgid))
        used = set(re.findall(r"\{(\w+)", translated)) | set(re.findall(r"%\((\w+)\)", translated))
        assert used <= allowed, (msgid, used - allowed)
        assert bool(plural) == bool(entry.msgid_plural), msgid


def test_every_click_translation_ends_with_chinese_punctuation_or_none():
    for entry in polib.pofile(str(CLICK_MESSAGES)):
        for translated in [entry.msgstr, *entry.msgstr_plural.values()]:
            if translated:
                assert ends_the_chinese_way(translated), (entry.msgid, translated)


def test_click_speaks_chinese_through_its_own_gettext_names():
    import click.core
    import click.exceptions
    import click.types

    assert click.exceptions._("Error: {message}") == "错误：{message}"
    assert click.core.ngettext("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})", 2) == "多余的参数（{args}）"
    assert click.types._("directory") == "文件夹"
    # only Click's names were given the catalogue; gettext itself is untouched
    import gettext

    assert gettext.gettext("Usage:") == "Usage:"


# --- bad invocations of every command ----------------------------------------------------------

def _bad_invocations(tmp: Path) -> list[tuple[str, list[str], tuple[str, ...]]]:
    """(what, argv, values typed) for every way of calling each command wrongly."""
    cases = []
    for path, command in COMMANDS:
        argv = list(path)
        if isinstance(command, click.Group):
            cases.append(("unknown command", [*argv, "nosuchcommand"], ("nosuchcommand",)))
            continue
        arguments = [p for p in command.params if isinstance(p, click.Argument)]
        options = [p for p in command.params if isinstance(p, click.Option)]
        good_args = [str(tmp / "file.txt") if isinstance(a.type, click.Path) and not a.type.dir_okay else str(tmp) for a in arguments]
        required = [o for o in options if o.required]
        good_required = [x for o in required for x in (o.opts[0], "2027")]
        cases.append(("unknown option", [*argv, "--no-such-option"], ()))
        cases.append(("unknown short option", [*argv, "-Z"], ()))
        cases.append(("extra argument", [*argv, *good_args, *good_required, "surplus1", "surplus2"], ("surplus1", "surplus2")))
        if any(a.required for a in arguments):
            cases.append(("missing argument", [*argv], ()))
        for option in required:
            cases.append(("missing option", [*argv, *good_args], ()))
        for option in options:
            if option.is_flag or option.count:
                cases.append(("flag given a value", [*argv, f"{option.opts[-1]}=1"], ()))
                continue
            name = option.opts[-1]
            cases.append(("option without its value", [*argv, *good_args, name], ()))
            kind = option.type
            if isinstance(kind, (click.IntRange, click.FloatRange, click.types.IntParamType, click.types.FloatParamType)):
                cases.append((f"{name} not a number", [*argv, *good_args, name, "abc"], ("abc",)))
                cases.append((f"{name} out of range", [*argv, *good_args, name, "-5"], ()))
            elif isinstance(kind, click.Choice):
                cases.append((f"{name} bad choice", [*argv, *good_args, name, "nosuchchoice"], ("nosuchchoice",)))
            elif isinstance(kind, click.Path) and kind.exists:
                cases.append((f"{name} nonexistent path", [*argv, *good_args, name, str(tmp / "nowhere.csv")], (str(tmp / "nowhere.csv"),)))
            elif isinstance(kind, click.Path) and not kind.dir_okay:
                cases.append((f"{name} a folder given for a file", [*argv, *good_args, name, str(tmp)], (str(tmp),)))
            elif isinstance(kind, click.Path) and not kind.file_okay:
                cases.append((f"{name} a file given for a folder", [*argv, *good_args, name, str(tmp / "file.txt")], (str(tmp / "file.txt"),)))
        for index, argument in enumerate(arguments):
            kind = argument.type
            others = good_args[:index]
            if isinstance(kind, click.Path) and kind.exists:
                cases.append(("nonexistent path argument", [*argv, *others, str(tmp / "nowhere")], (str(tmp / "nowhere"),)))
            elif isinstance(kind, click.Path) and not kind.dir_okay:
                cases.append(("folder for a file argument", [*argv, *others, str(tmp), *good_required], (str(tmp),)))
            elif isinstance(kind, click.Path) and not kind.file_okay:
                cases.append(("file for a folder argument", [*argv, *others, str(tmp / "file.txt")], (str(tmp / "file.txt"),)))
    return cases


def test_bad_invocations_cover_every_command(tmp_path):
    covered = {tuple(argv[: len(path)]) for _, argv, _ in _bad_invocations(tmp_path) for path, _ in LEAVES if argv[: len(path)] == list(path)}
    assert {path for path, _ in LEAVES} <= covered
    kinds = {what.split(" ", 1)[-1] if what.startswith("--") else what for what, _, _ in _bad_invocations(tmp_path)}
    assert {"unknown option", "extra argument", "missing argument", "missing option", "not a number", "out of range", "bad choice", "nonexistent path argument", "unknown command"} <= kinds


@pytest.fixture()
def folder(tmp_path):
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    return tmp_path


def test_every_bad_invocation_is_told_in_chinese(folder):
    failures = []
    for what, argv, typed in _bad_invocations(folder):
        result = _invoke(argv)
        output = result.output
        problems = []
        if result.exit_code != 2:
            problems.append(f"exit {result.exit_code}")
        if "Traceback" in output or result.exception and not isinstance(result.exception, SystemExit):
            problems.append(f"exception {result.exception!r}")
        error_lines = [line for line in output.splitlines() if line.startswith("错误：")]
        if len(error_lines) != 1 or not CJK.search(error_lines[0][3:]):
            problems.append("not one Chinese 错误： line")
        elif not ends_the_chinese_way(error_lines[0]):
            problems.append("ASCII punctuation where Chinese ends a sentence")
        words = english_words(output, typed=(*typed, str(folder)))
        if words:
            problems.append(f"English {words}")
        if problems:
            failures.append(f"{what}: scheduler {' '.join(argv)} -> {problems}\n{output}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["plan", "--time-limit", "abc"], "错误：'--time-limit' 的值无效：'abc' 不是有效的数值。"),
        (["stats", "--large-attendees", "x"], "错误：'--large-attendees' 的值无效：'x' 不是有效的整数。"),
        (["serve", "--port", "99999"], "错误：'--port' 的值无效：99999 不在范围 1<=x<=65535 内。"),
        (["token", "issue", "王志刚", "--kind", "boss"], "错误：'--kind' 的值无效：'boss' 不是可选的值（'leader', 'unit', 'room', 'staff'）。"),
        (["plan-year", "import"], "错误：缺少参数 '文件'。\n"),  # Click itself puts an ASCII '.' after the name
        (["plan-year", "import", "a.xlsx"], "错误：缺少选项 '--year'。\n"),
        (["token", "issue"], "错误：缺少参数 '名称'。\n"),
        (["diff", "/nonexistent/a", "/nonexistent/b"], "错误：'安排A' 的值无效：路径 '/nonexistent/a' 不存在。"),
        (["serve", "now"], "错误：多余的参数（now）。\n"),
        (["plan", "--bogus"], "错误：没有选项 '--bogus'。"),
        (["plna"], "错误：没有命令 'plna'。是否想用 'plan'？\n"),  # Click joins the two with a space
        (["plan", "--time"], "错误：没有选项 '--time'。是否想用 '--time-limit'？\n"),
        (["serve", "a.", "b"], "错误：多余的参数（a. b）。\n"),  # what the user typed stays as typed
        (["plan", "-o"], "错误：选项 '-o' 需要 1 个值。"),
    ],
)
def test_usage_errors_read_as_staff_expect(argv, expected):
    result = _invoke(argv)
    assert result.exit_code == 2
    assert expected in result.output, result.output


def test_usage_error_shows_the_usage_and_where_help_is():
    result = _invoke(["plan", "--bogus"])
    assert result.output.startswith("用法：cli plan [选项] [输入目录]\n请运行 'cli plan --help' 查看帮助。\n")


def test_interrupted_run_says_aborted_in_chinese(monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_module, "load_week", interrupted)
    result = _invoke(["check"])
    assert result.exit_code == 1
    assert result.output.strip().endswith("已中止。")
    assert not english_words(result.output)


def test_version_is_chinese():
    result = _invoke(["--version"])
    assert result.exit_code == 0 and re.fullmatch(r"scheduler 版本 [\d.]+\n", result.output)


@pytest.mark.parametrize("env", [{"LANG": "en_US.UTF-8", "LANGUAGE": "en"}, {"LC_ALL": "C", "LANG": "C"}, {"LANGUAGE": "fr:de", "LANG": "fr_FR.UTF-8"}], ids=["en", "C", "fr"])
def test_chinese_whatever_lang_says(env):
    clean = {k: v for k, v in os.environ.items() if k not in ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    result = subprocess.run(
        [sys.executable, "-m", "scheduler", "plan", "--time-limit", "abc"],
        env={**clean, **env}, capture_output=True, text=True, encoding="utf-8", check=False,
    )
    assert result.returncode == 2
    assert "错误：'--time-limit' 的值无效：'abc' 不是有效的数值。" in result.stderr, result.stderr
    assert "用法：" in result.stderr and not english_words(result.stderr, typed=("abc", "python -m scheduler"))


# --- --help -----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [path for path, _ in COMMANDS], ids=lambda p: " ".join(p) or "scheduler")
def test_help_has_no_english_prose(path):
    result = _invoke([*path, "--help"])
    assert result.exit_code == 0, result.output
    assert not english_words(result.output), result.output
    assert not re.search(r"\.\.\.$|\w\.\.\.", result.output.replace("[参数]...", "")), "a help text cut short"


@pytest.mark.parametrize("path", [path for path, _ in COMMANDS], ids=lambda p: " ".join(p) or "scheduler")
def test_help_lines_fit_the_terminal(path):
    from scheduler.terminal import display_width

    result = CliRunner().invoke(cli, [*path, "--help"], terminal_width=80)
    wide = [line for line in result.output.splitlines() if display_width(line) > 80 and not FILE_NAME.search(line)]
    assert not wide, wide
