"""The exception tree.  The library raises these; only the CLI turns them into messages."""

from __future__ import annotations

from dataclasses import dataclass


class SchedulerError(Exception):
    """Base class of every error the library raises on purpose."""


@dataclass(frozen=True, slots=True, kw_only=True)
class InputProblem:
    """One problem in the inputs, located as the user sees it (Excel row numbers, header = 1)."""

    source: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    message: str

    def __str__(self) -> str:
        where = [self.source]
        if self.sheet:
            where.append(f'sheet "{self.sheet}"')
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f'column "{self.column}"')
        text = self.message
        if self.value is not None:
            text = f'"{self.value}" {text}'
        return f"{', '.join(where)}: {text}"


class InputErrors(SchedulerError):
    """Every problem found in one run's inputs, reported together."""

    def __init__(self, problems: list[InputProblem], source: str):
        self.problems = tuple(problems)
        self.source = source
        super().__init__(self.summary())

    def summary(self) -> str:
        n = len(self.problems)
        noun = "problem" if n == 1 else "problems"
        return f"{n} {noun} in {self.source}; nothing was scheduled."

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class ConfigError(SchedulerError):
    """week.toml, the calendar data or a command-line setting is unusable."""


class CalendarDataMissing(ConfigError):
    """The installed holiday data does not cover a day of the planned week."""


class PlanError(SchedulerError):
    """A plan file (plan.json) cannot be read or does not fit the inputs."""
