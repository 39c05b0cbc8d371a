"""The exception tree.  The library raises these; only the CLI turns them into messages."""

from __future__ import annotations

from dataclasses import dataclass


class SchedulerError(Exception):
    """Base class of every error the library raises on purpose."""


@dataclass(frozen=True, slots=True, kw_only=True)
class InputProblem:
    """One problem in the inputs, located as the user sees it (Excel row numbers, header = 1).

    `key` locates a problem in week.toml (e.g. "office_hours.morning"); `message` is Chinese and
    reads on after the quoted value, e.g. value "王致刚", message "不是「领导」表中的领导，是否为「王志刚」？".
    """

    source: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    key: str | None = None
    value: str | None = None
    message: str

    def __str__(self) -> str:
        where = [self.source]
        if self.sheet:
            where.append(f"工作表「{self.sheet}」")
        if self.row is not None:
            where.append(f"第{self.row}行")
        if self.column:
            where.append(f"「{self.column}」列")
        if self.key:
            where.append(f"设置项 {self.key}")
        text = self.message
        if self.value is not None:
            text = f"「{quote(self.value)}」{text}"
        return f"{'，'.join(where)}：{text}"


def quote(value: object, limit: int = 60) -> str:
    """A value as shown back in a message: one line, control characters made visible, bounded."""
    text = str(value)
    text = "".join(ch if ch.isprintable() or ch == " " else f"\\u{ord(ch):04x}" for ch in text)
    return text if len(text) <= limit else text[:limit] + "…"


class InputErrors(SchedulerError):
    """Every problem found in one run's inputs, reported together."""

    def __init__(self, problems: list[InputProblem], source: str):
        self.problems = tuple(problems)
        self.source = source
        super().__init__(self.summary())

    def summary(self) -> str:
        return f"{self.source} 中有 {len(self.problems)} 处问题；未作任何安排，也未写出任何文件。"

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class ConfigError(SchedulerError):
    """week.toml, the calendar data or a command-line setting is unusable."""


class SettingsErrors(InputErrors, ConfigError):
    """week.toml (or a --set override) breaks its schema; every problem located by its key."""


class CalendarDataMissing(ConfigError):
    """The installed holiday data does not cover a day of the planned week."""


class PlanError(SchedulerError):
    """A plan file (plan.json) cannot be read or does not fit the inputs."""
