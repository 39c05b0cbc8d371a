"""The README documents every command, rule, input column and week.toml key."""

from pathlib import Path

import pytest

from scheduler.cli import cli
from scheduler.config import KNOWN_KEYS
from scheduler.intake import SHEETS
from scheduler.rules import CATALOGUE

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_commands_are_documented(command):
    assert f"`scheduler {command}" in README


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_commands_have_help(command):
    assert cli.commands[command].help


@pytest.mark.parametrize("rule", [r.name for r in CATALOGUE])
def test_rules_are_documented(rule):
    assert f"`{rule}`" in README


@pytest.mark.parametrize("column", [(s.zh, c.zh, c.en) for s in SHEETS for c in s.columns], ids=lambda x: f"{x[0]}.{x[1]}")
def test_columns_are_documented(column):
    sheet, zh, en = column
    assert f"`{sheet}`" in README
    assert zh in README and en in README


@pytest.mark.parametrize("key", sorted(KNOWN_KEYS))
def test_week_toml_keys_are_documented(key):
    assert f"`{key}`" in README or f"`[{key}]`" in README or f"[{key}" in README


def test_the_two_setup_commands_are_shown():
    assert "pip install -e . && scheduler plan" in README
    assert "pip install -e '.[test]' && npm ci --prefix tests/js && python -m pytest" in README
