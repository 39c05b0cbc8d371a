"""The README's session as a staff member runs it, read for English: every line the commands
print (stdout and stderr) is Chinese, apart from command and option names, file names, ids,
links and what the staff member typed."""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from tests.test_cli_messages import english_words

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
NOW = "2026-12-04T17:00:00+08:00"


def session_commands() -> list[list[str]]:
    """The `scheduler` lines of the README's what-if session, in order, without comments."""
    section = README[README.index("### A what-if session"): README.index("### A year")]
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", section, re.S):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("scheduler "):
                lines.append(shlex.split(line)[1:])
    return lines


def test_the_session_is_read_from_the_readme():
    commands = [c[0] for c in session_commands()]
    assert commands[:2] == ["plan", "publish"] and "whatif" in commands and "diff" in commands and "stats" in commands


@pytest.fixture(scope="module")
def transcript(tmp_path_factory):
    """(command, output) for each command of the session, run in an empty folder; the solver
    gets a short budget (what is printed does not depend on it) and the clock a fixed time."""
    folder = tmp_path_factory.mktemp("session")
    runner = CliRunner()
    out = []
    here = os.getcwd()
    (folder / "calendars").mkdir()  # the late request the session adds, as a fresh clone has it
    shutil.copy(ROOT / "calendars" / "追加申请.csv", folder / "calendars" / "追加申请.csv")
    os.chdir(folder)
    try:
        for argv in [*session_commands(), ["token", "issue", "王志刚", "--base-url", "https://feeds.example.gov.cn"], ["check"]]:
            extra = []
            if argv[0] in ("plan", "whatif"):
                extra = ["--time-limit", "2", "--now", NOW]
            elif argv[0] in ("publish", "check"):
                extra = ["--now", NOW]
            elif argv[0] == "stats" and not any(re.fullmatch(r"\d{4}-\d{2}-\d{2}", a) for a in argv):
                extra = ["2026-12-10"]
            result = runner.invoke(cli, [*argv, *extra])
            out.append((argv, result))
    finally:
        os.chdir(here)
    return out


def test_every_command_of_the_session_succeeds(transcript):
    for argv, result in transcript:
        assert result.exit_code == 0, (argv, result.output)


def test_the_session_prints_no_english(transcript):
    for argv, result in transcript:
        typed = tuple(a for a in argv if not a.startswith("-"))
        words = english_words(result.output, typed=typed)
        assert not words, (argv, words, result.output)
        for line in result.output.splitlines():
            if line.strip() and not re.fullmatch(r"[\s─━\-=]+|\s*(https?|webcal)://\S+", line):
                assert re.search(r"[\u4e00-\u9fff]", line), (argv, line)
