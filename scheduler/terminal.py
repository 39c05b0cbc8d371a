"""What staff read on a terminal: tables that align Chinese text (two columns per character) and
the solver's live progress bar, text folded for the terminal. The only user of `rich`, which
measures East Asian widths, and of `uniseg`, which knows where Chinese text may break."""

from __future__ import annotations

import io
import shutil
import sys
from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.progress import BarColumn, Progress as LiveProgress, ProgressColumn, TextColumn
from rich.table import Table
from rich.text import Text

WIDTH = 160  # a terminal whose width is unknown


def number(value: float) -> str:
    """A figure as staff write it: whole numbers without '.0', else one decimal, with
    thousands separators (1,234.5)."""
    rounded = round(float(value), 1)
    return f"{rounded:,.0f}" if rounded == int(rounded) else f"{rounded:,.1f}"


class _Cell:
    """A table cell that rich sizes and that folds like `wrap`: rich's own folding cuts Chinese
    text at any character, so a line could start with ，。； or split 1,383.3 or 14:20."""

    def __init__(self, text: str):
        self.lines = text.splitlines() or [""]

    def __rich_measure__(self, console, options) -> Measurement:
        from uniseg.linebreak import line_break_units

        widest_unit = max((display_width(unit.rstrip()) for line in self.lines for unit in line_break_units(line)), default=0)
        return Measurement(widest_unit, max(display_width(line) for line in self.lines))

    def __rich_console__(self, console, options):
        for line in self.lines:
            for part in wrap(line, options.max_width):
                yield Text(part, overflow="fold")  # fold only what no break can fit (a long path)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, width: int | None = None) -> str:
    """A plain-text table whose columns line up for Chinese text. On a terminal, cells wrap
    within its width where `wrap` may break a line; into a file or a pipe, every row stays on
    one line (greppable)."""
    if width is None:
        width = shutil.get_terminal_size((WIDTH, 24)).columns if sys.stdout.isatty() else 100_000
    grid = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="", expand=False)
    for header in headers:
        grid.add_column(_Cell(header), overflow="fold")
    for row in rows:
        grid.add_row(*(_Cell("" if cell is None else str(cell)) for cell in row))
    out = io.StringIO()
    Console(file=out, width=width, color_system=None, force_terminal=False, legacy_windows=False, emoji=False, highlight=False).print(grid)
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines()) + "\n"


def display_width(text: str) -> int:
    """Terminal columns `text` takes (a Chinese character takes two)."""
    from rich.cells import cell_len

    return cell_len(text)


def unwrap(text: str) -> str:
    """The lines of one paragraph joined: with a space between Latin words, without one where
    either side is Chinese (a space there reads as a gap)."""
    joined = ""
    for line in (part.strip() for part in text.splitlines()):
        if not line:
            continue
        gap = "" if not joined or display_width(joined[-1]) == 2 or display_width(line[0]) == 2 else " "
        joined += gap + line
    return joined


def wrap(text: str, width: int) -> list[str]:
    """`text` folded into lines of at most `width` terminal columns where Unicode's line-breaking
    rules (UAX #14, by uniseg) allow: Latin words and paths kept whole, Chinese text broken
    between characters, never before ，。、） or after （."""
    from uniseg.wrap import tt_wrap

    return [line.rstrip() for line in tt_wrap(text, max(width, 1))] or [""]


def budget_text(limit: float) -> str:
    """The time limit is the budget on the reference machine; the run stops at the longest."""
    from .solve import longest_run

    return f"计算量按参考机器 {limit:.0f} 秒计，最迟 {longest_run(limit):.0f} 秒结束"


class _Elapsed(ProgressColumn):
    """已用 12 秒（计算量按参考机器 30 秒计，最迟 210 秒结束） — from the task's own clock, so it moves even while the
    solver is quiet."""

    def render(self, task) -> Text:
        return Text(f"已用 {task.elapsed or 0:.0f} 秒（{budget_text(task.total)}）")


class _Bar(BarColumn):
    def render(self, task):
        self.bar_width = 30
        from rich.progress_bar import ProgressBar

        return ProgressBar(total=task.total, completed=min(task.elapsed or 0, task.total), width=self.bar_width, animation_time=task.get_time())


def progress_figures(update) -> str:
    """已排/套开/场次 from a solver progress update, for the figures it carries (the solver decides
    what it reports; nothing is computed here)."""
    parts = []
    for field, label, unit in (("scheduled", "已排", "项"), ("combined", "套开", "项"), ("sittings", "场次", "场")):
        value = getattr(update, field, None)
        if value is not None:
            parts.append(f"{label} {number(value)} {unit}")
    return "，".join(parts)


class SolveProgress:
    """A live bar on stderr while the solver runs: elapsed against the time limit and the current
    figures. On a terminal it redraws in place; otherwise one line per improvement, at most one a
    second. Silent when `enabled` is false (-q)."""

    def __init__(self, limit: float, *, enabled: bool, label: str = "求解中", stream=None):
        self.limit, self.enabled, self.label = float(limit), enabled, label
        self.stream = stream or sys.stderr
        self.live = None
        self.task = None
        self.last_line = -1.0

    def __enter__(self) -> SolveProgress:
        if self.enabled and self.stream.isatty():
            console = Console(file=self.stream, highlight=False, emoji=False)
            self.live = LiveProgress(
                TextColumn(self.label), _Bar(), _Elapsed(), TextColumn("{task.fields[figures]}"),
                console=console, transient=True, refresh_per_second=4,
            )
            self.live.start()
            self.task = self.live.add_task(self.label, total=self.limit, figures="")
        return self

    def limit_to(self, options):
        """Take the time limit from the solver's options (known only once the week is read)."""
        self.limit = float(options.time_limit)
        if self.live is not None:
            self.live.update(self.task, total=self.limit)
        return options

    def __call__(self, update) -> None:
        """The solver's on_progress callback."""
        if not self.enabled:
            return
        figures = progress_figures(update)
        if self.live is not None:
            self.live.update(self.task, figures=figures)
            return
        seconds = float(getattr(update, "seconds", 0.0))
        if seconds - self.last_line >= 1.0:
            self.last_line = seconds
            text = f"  {self.label}：已用 {seconds:.0f} 秒（{budget_text(self.limit)}）" + (f"，{figures}" if figures else "，找到更好的方案")
            print(text, file=self.stream, flush=True)

    def __exit__(self, *exc) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None


__all__ = ["SolveProgress", "display_width", "number", "progress_figures", "table", "unwrap", "wrap"]
