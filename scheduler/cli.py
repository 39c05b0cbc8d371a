"""The command line: each command parses options, calls the library, writes files, echoes."""

from __future__ import annotations

import dataclasses
import gettext
import inspect
import io
import json
import math
import logging
import os
import re
import signal
import sys
import time as wallclock
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import polib

from . import __version__, control
from .config import DEFAULT_KINDS, RANGES
from .errors import InputErrors, SchedulerError
from .intake import load_week
from .report import check_text, figures, published_text, summary_text, week_span_zh, written_text
from .files import file_in_the_way, write_files, write_outputs
from .ledger import Ledger
from .outputs import input_for, load_plan_document, render
from .rules import precheck
from .solve import options_for, solve
from .terminal import SolveProgress, display_width, unwrap, wrap

REPO = Path(__file__).resolve().parent.parent
DEFAULT_INPUT = Path("calendars/example")
DEFAULT_OUTPUT = Path("calendars/out")
DEFAULT_LEDGER = Path("calendars/ledger.sqlite")
DEFAULT_PUBLISHED = Path("calendars/published")


def _click_in_chinese() -> gettext.GNUTranslations:
    """Every message Click itself prints (usage errors, conversion errors, --help headings,
    Aborted!) in Chinese, whatever the user's LANG says.

    Click marks its messages for gettext with `from gettext import gettext as _` in each of
    its modules. The global gettext API picks the language from LANGUAGE/LC_ALL/LANG (and
    stops at "C"), so it cannot promise Chinese; instead the catalogue in
    locale/zh_CN/LC_MESSAGES/click.po is read with polib and its gettext/ngettext replace
    those names in Click's modules only (no other library's gettext changes). This must run
    before the commands below are declared: click.Path names its kind (文件/文件夹) when built."""
    import click._termui_impl  # noqa: F401  (loaded lazily by Click; load now to translate it too)
    import click.shell_completion  # noqa: F401

    catalogue = gettext.GNUTranslations(io.BytesIO(polib.pofile(str(CLICK_MESSAGES)).to_binary()))
    for name, module in list(sys.modules.items()):
        if name == "click" or name.startswith("click."):
            if getattr(module, "_", None) is gettext.gettext:
                module._ = catalogue.gettext
            if getattr(module, "ngettext", None) is gettext.ngettext:
                module.ngettext = catalogue.ngettext
    return catalogue


CLICK_MESSAGES = Path(__file__).resolve().parent / "locale" / "zh_CN" / "LC_MESSAGES" / "click.po"
CLICK_ZH = _click_in_chinese()


class InputProblemsError(click.ClickException):
    exit_code = 2


class WholeNumber(click.IntRange):
    """An integer option; its name is what a bad value is called (“'x' 不是有效的整数。”)."""

    name = "整数"


class Number(click.FloatRange):
    """A number option; its name is what a bad value is called (“'x' 不是有效的数值。”). NaN is
    refused (a range lets it through)."""

    name = "数值"

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if isinstance(number, float) and math.isnan(number):
            self.fail(f"'{value}' 不是有效的数值。", param, ctx)
        return number


class OutputPath(click.Path):
    """A folder or file a command writes: refused before any work when it, or a folder it would
    sit in, is an existing file (“文件夹 'outfile' 是文件（应为文件夹）。”)."""

    def convert(self, value, param, ctx):
        path = super().convert(value, param, ctx)
        blocker = file_in_the_way(Path(path))
        if blocker is not None:
            self.fail(CLICK_ZH.gettext("{name} {filename!r} is a file.").format(name=CLICK_ZH.gettext("directory"), filename=str(blocker)), param, ctx)
        return path


def output_folder() -> OutputPath:
    return OutputPath(file_okay=False, path_type=Path)


def output_file() -> OutputPath:
    return OutputPath(dir_okay=False, path_type=Path)


TIME_LIMIT = Number(min=RANGES["time_limit_seconds"][0], max=RANGES["time_limit_seconds"][1])  # as in week.toml


class ChineseFormatter(click.HelpFormatter):
    """Click's help layout measured in terminal columns (a Chinese character takes two, which
    click's own formatter counts as one), the lines of a paragraph joined without a space
    between Chinese text, and headings with a full-width colon."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, CLICK_ZH.gettext("Usage:") if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        for paragraph in re.split(r"\n\s*\n", text):
            if paragraph.lstrip().startswith("\b"):  # click's mark for a paragraph kept as written
                self.write("".join(f"{indent}{line}\n" for line in paragraph.lstrip()[1:].strip("\n").splitlines()))
            else:
                self.write("".join(f"{indent}{line}\n" for line in wrap(unwrap(paragraph), self.width - self.current_indent)))

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        first_col = min(max((display_width(first) for first, _ in rows), default=0), col_max) + col_spacing
        text_width = max(self.width - first_col - self.current_indent, 10)
        indent = " " * self.current_indent
        for first, second in rows:
            self.write(f"{indent}{first}")
            lines = wrap(unwrap(second), text_width) if second else []
            if display_width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - display_width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            if not lines:
                self.write("\n")
                continue
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


class ChineseContext(click.Context):
    formatter_class = ChineseFormatter


# Click joins its translated pieces with ASCII punctuation: “缺少参数 '文件'.” (MissingParameter
# puts a '.' after the name), “没有选项 '--x'。 是否想用 '--y'？” (a space between sentences).
_ASCII_STOP = re.compile(r"(?<=['\u4e00-\u9fff）])\.(?= |\n|$)")
_SPACE_AFTER_STOP = re.compile(r"(?<=[。？！；：]) +")


_SENTENCE_END = re.compile(r"[。！？][」）』”]*$")  # 。 or ！ or ？, perhaps inside a closing quote or bracket


def chinese_sentences(message: str) -> str:
    """An error message as Chinese punctuates it: its sentences ended with 。 (never an ASCII
    '.'), no space after a stop, and the last one ended too (。 added when it is not)."""
    message = _SPACE_AFTER_STOP.sub("", _ASCII_STOP.sub("。", message)).rstrip()
    return message if _SENTENCE_END.search(message) else message + "。"


def _usage_error_in_chinese(exc: click.UsageError) -> click.UsageError:
    """The same usage error (same context, so the usage and the help hint are shown; exit 2),
    its message as Chinese punctuates it."""
    return click.UsageError(chinese_sentences(exc.format_message()), exc.ctx)


class ChineseHelp:
    """--help laid out for Chinese text, with Chinese placeholders for the options and the
    subcommand (click's are English and not marked for translation); Click's usage errors
    punctuated in Chinese."""

    context_class = ChineseContext

    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as exc:  # a missing argument, an unknown option, a bad value...
            raise _usage_error_in_chinese(exc) from None

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[选项]")
        if isinstance(self, click.Group):
            kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def get_short_help_str(self, limit: int = 45) -> str:
        """The first sentence of the help, whole (click cuts it after `limit` characters and
        adds '...'; the formatter folds it by display width instead)."""
        if self.short_help:
            return self.short_help
        text = unwrap(inspect.cleandoc(self.help or "").partition("\f")[0])
        return re.match(r"[^。]*。?", text).group(0)


class ChineseCommand(ChineseHelp, click.Command):
    pass


class SchedulerGroup(ChineseHelp, click.Group):
    """Turns library errors into one clear message per problem and exit status 2."""

    command_class = ChineseCommand

    def resolve_command(self, ctx, args):
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:  # an unknown command, with the likely one
            raise _usage_error_in_chinese(exc) from None

    def invoke(self, ctx):
        """Every `错误：` line a command ends with passes here (Click prints it): punctuated once,
        whatever raised it (a usage error, a library error, a refusal of the command)."""
        try:
            return self._invoke_library(ctx)
        except click.BadParameter as exc:  # its message is composed when shown (the parameter's name...)
            raise _usage_error_in_chinese(exc) from None
        except click.ClickException as exc:
            exc.message = chinese_sentences(exc.message)
            raise

    def _invoke_library(self, ctx):
        try:
            return super().invoke(ctx)
        except InputErrors as exc:
            for line in exc.lines():
                click.echo(line, err=True)
            raise InputProblemsError(exc.summary()) from None
        except SchedulerError as exc:
            if hasattr(exc, "lines") and hasattr(exc, "summary"):
                for line in exc.lines():
                    click.echo(line, err=True)
                raise InputProblemsError(exc.summary()) from None
            raise InputProblemsError(str(exc)) from None



def _input_folder(path: Path | None) -> Path:
    if path is not None:
        return path
    if DEFAULT_INPUT.is_dir():
        return DEFAULT_INPUT
    return REPO / DEFAULT_INPUT


def _now(value: str | None) -> datetime:
    """--now, or the wall clock (the CLI is the one place that reads it)."""
    if value is None:
        return datetime.now(ZoneInfo("Asia/Shanghai")).replace(microsecond=0)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.UsageError(f"--now 的值 {value!r} 不是 ISO 日期时间（例如 2026-12-04T17:00:00+08:00）") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("Asia/Shanghai"))


def ledger_option(help: str = "台账（SQLite）"):
    """The shared --ledger option."""
    return click.option("--ledger", "ledger_path", type=output_file(), default=DEFAULT_LEDGER, metavar="文件", help=f"{help}；默认：{DEFAULT_LEDGER}。")


def now_option(help: str = "写入文件的时间（ISO 格式）；默认：现在。"):
    """The shared --now option (the CLI is the one place that reads the clock)."""
    return click.option("--now", "now_text", metavar="时间", help=help)


@click.group(cls=SchedulerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="scheduler")
@click.option("-v", "--verbose", count=True, help="在标准错误输出更多诊断信息（-vv：求解器的搜索日志）。")
@click.option("-q", "--quiet", is_flag=True, help="安静：不显示进度（供脚本调用）。")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """会议统筹：排定一周会议——相关会议套开、开短会，领导和会议室绝不冲突。"""
    logging.basicConfig(level=logging.DEBUG if verbose >= 2 else logging.INFO if verbose else logging.WARNING, stream=sys.stderr, format="%(message)s")
    ctx.obj = {"verbose": verbose, "quiet": quiet}


@cli.command()
@click.argument("directory", metavar="[目录]", type=output_folder(), default=Path("new-week"))
@now_option("今天（ISO 格式）：模板为其后的第一个周一开始的一周；默认：现在。")
@click.option("--no-meeting-day", "no_meeting_days", multiple=True, metavar="星期", help="这一周的无会日（周一..周日 或 mon..sun），可重复；默认：无。")
def template(directory: Path, now_text: str | None, no_meeting_days: tuple[str, ...]) -> None:
    """在目录（默认 new-week/）中写入下一周的空白工作簿 week.xlsx（带下拉选项，另有不被读取的
    “填写示例”工作表）和带注释的 week.toml。"""
    from .template import template_files

    if (directory / "week.xlsx").exists() or (directory / "week.toml").exists():
        raise InputProblemsError(f"{directory} 中已有 week.xlsx 或 week.toml；请选一个空文件夹")
    write_files(directory, template_files(now=_now(now_text), no_meeting_days=no_meeting_days))
    click.echo(f"已写入 {directory / 'week.xlsx'} 和 {directory / 'week.toml'}")


@cli.command()
@click.argument("input_dir", metavar="[输入目录]", required=False, type=click.Path(path_type=Path))
@now_option("今天（ISO 格式），week.toml 未写 week 时据此取下一周；默认：现在。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出检查结果（供程序读取）。")
@ledger_option("台账：从中读取年度计划、总量控制和同一事项反复开会的记录")
def check(input_dir: Path | None, now_text: str | None, as_json: bool, ledger_path: Path) -> None:
    """检查一周的文件夹（默认：示例周），列出需要注意的事项，不排会。"""
    folder = _input_folder(input_dir)
    problem = load_week(folder, today=_now(now_text).date())
    year = control.review(problem, ledger_path)
    findings = precheck(problem) + list(year.findings)
    if as_json:
        click.echo(json.dumps({
            "week": problem.week.isoformat(), "requests": len(problem.requests), "receptions": len(problem.receptions),
            "leaders": len(problem.leaders), "rooms": len(problem.rooms), "commitments": len(problem.commitments),
            "findings": [{"rule": f.rule, "request": f.request_id, "message": f.message} for f in findings],
            "annual_plan": {m.request_id: {"status": m.status, "item": m.item.id if m.item else None} for m in year.matches.values()},
            "year_lines": list(year.lines),
            "quota": [{"unit": u.unit, "class": u.cls, "period": u.period, "start": u.start.isoformat(), "used": u.used, "cap": u.cap,
                       "basis": u.basis, "over": u.over} for u in year.uses],
        }, ensure_ascii=False, indent=2))
        return
    click.echo(check_text(folder, problem, findings, extra=year.lines), nl=False)


@cli.command()
@click.argument("input_dir", metavar="[输入目录]", required=False, type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", type=output_folder(), default=DEFAULT_OUTPUT, metavar="目录", help="写入安排表、网页、会议通知和日历订阅的文件夹；默认：calendars/out。")
@click.option("--time-limit", type=TIME_LIMIT, metavar="秒", help="求解时限（秒）；默认：week.toml 的 time_limit_seconds。")
@now_option("写入文件的发布时间（ISO 格式）；默认：现在。同一 --now 得到逐字节相同的文件。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出摘要（供程序读取）。")
@ledger_option("台账：从中读取年度计划、总量控制和同一事项反复开会的记录；已发布的一周以其发布的安排为基准重排")
@click.option("--fresh", is_flag=True, help="即使这一周已在台账中发布，也从头重新编排。")
@click.pass_context
def plan(ctx: click.Context, input_dir: Path | None, out_dir: Path, time_limit: float | None, now_text: str | None, as_json: bool, ledger_path: Path, fresh: bool) -> None:
    """排定一周会议（默认：自带的示例周），写出安排表、网页、会议通知和日历订阅。
    已发布的一周以发布的安排为基准重排（尽量少改动，并列出改动）；--fresh 从头编排。"""
    from .whatif import diff_table, plan_week

    folder = _input_folder(input_dir)
    now = _now(now_text)
    problem = load_week(folder, today=now.date())
    quiet = ctx.obj["quiet"]
    started = wallclock.monotonic()
    if not quiet:
        click.echo(f"正在排定{week_span_zh(problem)}的 {len(problem.requests)} 项会议申请……", err=True)
    year = control.review(problem, ledger_path)

    def solver(p, previous):
        solvable = control.for_solver(p, year)
        options = _options(ctx, solvable, time_limit)
        with SolveProgress(options.time_limit, enabled=not quiet) as progress:
            return control.with_excluded(p, solve(solvable, options, on_progress=progress, previous=previous), year)

    run = plan_week(problem, folder=folder, ledger_path=ledger_path, fresh=fresh, now=now, solver=solver, out=out_dir)
    problem, result, files = run.problem, run.plan, run.files
    write_outputs(out_dir, files)
    if as_json:
        f = figures(problem, result)
        click.echo(json.dumps({
            "week": problem.week.isoformat(), "out": str(out_dir), "status": result.stats.status, "levels": [dataclasses.asdict(lv) for lv in result.stats.levels],
            "seconds": round(wallclock.monotonic() - started, 2), "requests": f.requests, "sittings": f.sittings,
            "combined_items": f.combined_items, "unscheduled": [o.request_id for o in result.outcomes if not o.scheduled],
            "minutes_saved": f.minutes_saved, "leader_hours": f.leader_hours,
            "person_hours_requested": f.person_hours_requested, "person_hours_planned": f.person_hours_planned,
            "changed_from_published": None if run.changes is None else [c.request_id for c in run.changes],
        }, ensure_ascii=False, indent=2))
        return
    click.echo(summary_text(problem, result), nl=False)
    if run.changes is not None:
        click.echo(f"以{run.reference}为基准重新编排，改动 {len(run.changes)} 项（--fresh 可从头编排）：")
        click.echo(diff_table(run.changes), nl=False)
    for line in year.lines:
        click.echo(line)
    for finding in [*year.findings, *control.plan_findings(problem, result, year)]:
        click.echo(f"  {finding.message}")
    click.echo(written_text(out_dir, list(files), wallclock.monotonic() - started))


def _write_plan(problem, result, out_dir: Path, *, now: datetime, folder: Path) -> dict[str, bytes]:
    """Render every output of a plan and write them all (or none) to out_dir."""
    files = render(problem, result, now, input=input_for(folder, out_dir))
    write_outputs(out_dir, files)
    return files


def _options(ctx: click.Context, problem, time_limit: float | None):
    """The solver's options from week.toml and the command line (-vv logs the search)."""
    return dataclasses.replace(options_for(problem, time_limit), log_search=ctx.obj["verbose"] >= 2)


def _checkpoint(name: str) -> None:
    """Testing aid: SCHEDULER_CRASH_AT=<name> kills this process (SIGKILL) at that point, so
    that the tests can show a publication killed half-way leaves the previous state intact."""
    if os.environ.get("SCHEDULER_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


@cli.command()
@click.argument("plan_dir", metavar="[安排目录]", required=False, type=click.Path(path_type=Path), default=DEFAULT_OUTPUT)
@click.option("--input", "input_dir", type=click.Path(file_okay=False, path_type=Path), metavar="目录", help="这一周的输入文件夹；默认：plan.json 记下的文件夹。")
@ledger_option()
@click.option("--to", "published", type=output_folder(), default=DEFAULT_PUBLISHED, metavar="目录", help="发布的订阅文件所在的文件夹；默认：calendars/published。")
@now_option("发布时间（ISO 格式）；默认：现在。")
def publish(plan_dir: Path, input_dir: Path | None, ledger_path: Path, published: Path, now_text: str | None) -> None:
    """把审定的安排（安排目录，默认 calendars/out；也可以是假如方案）按当前输入逐条复核硬性规则后，
    记入台账并发布日历订阅。"""
    from .publish import publish_folder, where_from

    done = publish_folder(
        plan_dir, input_dir=input_dir, default_input=_input_folder(None), ledger_path=ledger_path, root=published, now=_now(now_text), checkpoint=_checkpoint,
    )
    click.echo(published_text(done))
    for source in done.added:
        click.echo(f"追加的申请 {source['id']} 已连同输入行（{where_from(source)}）记入台账")
    click.echo(f"订阅源包含 {len(done.weeks)} 周：{'、'.join(done.weeks)} -> {published / 'feeds' / 'current'}/")


def _load_plan_document(path: Path) -> dict:
    return load_plan_document(path)


@cli.command("notices")
@click.argument("plan_dir", metavar="[安排目录]", required=False, type=click.Path(path_type=Path), default=DEFAULT_OUTPUT)
@click.option("--sitting", "sitting", metavar="编号", help="只写这一场会议的通知（会议编号，或其中任一申请的编号）；默认：每场都写。")
@click.option("--input", "input_dir", type=click.Path(file_okay=False, path_type=Path), metavar="目录", help="这一周的输入文件夹；默认：plan.json 记下的文件夹。")
@click.option("-o", "--out", "out_dir", type=output_folder(), metavar="目录", help="写入的文件夹（其下 notices/）；默认：安排目录。")
@now_option("印发日期（ISO 格式）；默认：现在。")
def notices_command(plan_dir: Path, sitting: str | None, input_dir: Path | None, out_dir: Path | None, now_text: str | None) -> None:
    """写出会议通知（.docx）：安排（安排目录，默认 calendars/out）中每场会议一份，或用 --sitting 只写一场；
    各单位按本单位议题到会、离会。"""
    from .notices import notices
    from .whatif import read_plan

    _, problem, plan_ = read_plan(load_plan_document(plan_dir), input_dir, default_input=_input_folder(None), hypothetical=False)
    files = notices(problem, plan_, now=_now(now_text), sitting=sitting)
    target = out_dir or (plan_dir if plan_dir.is_dir() else plan_dir.parent)
    write_files(target, files)
    click.echo(f"已写入会议通知 {len(files)} 份：{target / 'notices'}/")



@cli.command()
@click.argument("plan_dir", metavar="[安排目录]", required=False, type=click.Path(path_type=Path))
@click.option("--away", "aways", nargs=2, multiple=True, metavar="领导 日期[..日期]", help="某位领导外出：一天、半天或一段，例如 王志刚 2026-12-09下午，或 王志刚 2026-12-09..2026-12-10。")
@click.option("--add", "adds", multiple=True, type=click.Path(dir_okay=False, exists=True, path_type=Path), metavar="文件", help="追加会议申请的文件（会议申请的列，CSV 或 xlsx）。")
@click.option("--drop", "drops", multiple=True, metavar="编号", help="去掉一项申请。")
@click.option("--fix", "fixes", multiple=True, metavar="编号=时间", help="固定一项申请的开始时间，例如 H01=2026-12-08 9:00。")
@click.option("--set", "sets", multiple=True, metavar="键=值", help="改动 week.toml 的一项设置，例如 no_meeting_days=[\"周四\"]。")
@click.option("--input", "input_dir", type=click.Path(file_okay=False, path_type=Path), metavar="目录", help="这一周的输入文件夹；默认：安排中记下的文件夹。")
@ledger_option()
@click.option("-o", "--out", "out_dir", type=output_folder(), default=Path("calendars/whatif"), metavar="目录", help="写入变动方案的文件夹；默认：calendars/whatif。")
@click.option("--time-limit", type=TIME_LIMIT, metavar="秒", help="求解时限（秒）；默认：week.toml 的 time_limit_seconds。")
@now_option("写入文件的时间（ISO 格式）；默认：现在。")
@click.pass_context
def whatif(ctx, plan_dir, aways, adds, drops, fixes, sets, input_dir, ledger_path, out_dir, time_limit, now_text) -> None:
    """假如……：在最近发布的安排（或安排目录）基础上重排一个变动方案，尽量少改动，
    列出哪些会议要调整。已发布的订阅不受影响。"""
    from . import whatif as variants

    now = _now(now_text)
    variant = variants.Variant(
        away=tuple(aways), add=tuple(str(Path(x).resolve()) for x in adds), drop=tuple(drops), fix=tuple(fixes), set=tuple(sets),
    )
    variants.check_arguments(plan_dir, variant)
    data = variants.base_plan(plan_dir, ledger_path)
    quiet = ctx.obj["quiet"]
    if not quiet:
        click.echo(f"正在以已发布的安排为基准重排 {data['week']} 起的一周……", err=True)
    limit = time_limit or 0
    with SolveProgress(limit, enabled=not quiet) as progress:
        run = variants.run_variant(
            data, variant, input_dir=input_dir, default_input=_input_folder(None), now=now,
            options=lambda problem: progress.limit_to(_options(ctx, problem, time_limit)), on_progress=progress, ledger_path=ledger_path,
            out=out_dir,
        )
    write_outputs(out_dir, run.files)
    click.echo(variants.diff_table(run.changes), nl=False)
    for line in variants.breach_lines(run.breaches):
        click.echo(line)
    click.echo(f"共 {len(run.changes)} 项有变化；变动方案在 {out_dir}/（已发布的订阅未改动）")


@cli.command()
@click.argument("a", metavar="安排A", type=click.Path(exists=True, path_type=Path))
@click.argument("b", metavar="安排B", type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出变化（供程序读取）。")
def diff(a: Path, b: Path, as_json: bool) -> None:
    """比较两个安排（安排文件夹或 plan.json），列出调整时间、新增、取消、压缩和改变套开的会议。"""
    from . import whatif as variants

    changes = variants.compare(_load_plan_document(a), _load_plan_document(b))
    if as_json:
        click.echo(json.dumps([
            {"request": c.request_id, "title": c.title, "changes": list(c.kinds), "before": c.before, "after": c.after, "reason": c.reason}
            for c in changes
        ], ensure_ascii=False, indent=2))
        return
    click.echo(variants.diff_table(changes), nl=False)


@cli.command()
@click.option("--week", "period", flag_value="week", help="日期所在的一周（默认）。")
@click.option("--month", "period", flag_value="month", help="日期所在的月。")
@click.option("--quarter", "period", flag_value="quarter", help="日期所在的季度。")
@click.option("--year", "period", flag_value="year", help="日期所在的年度。")
@click.argument("day", metavar="[日期]", required=False)
@ledger_option()
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出统计数字（供程序读取）。")
@click.option("--charts", "charts_dir", type=output_folder(), metavar="目录", help="同时把统计图（PNG，中文标注）写入此文件夹。")
@click.option("--target", "target_percent", type=Number(0, 100, max_open=True), default=0.0, metavar="百分比", help="与去年同期相比的压减目标（百分比，例如 20 表示大型会议压减 20%）；默认 0，即只减不增。")
@click.option("--large-attendees", type=WholeNumber(1), default=100, metavar="人数", help="大型会议：参会人数不少于此数；默认：100。")
@click.option("--xlsx", "xlsx_path", type=output_file(), metavar="文件", help="同时把统计报表（减负统计）工作簿写入此文件。")
def stats(period: str | None, day: str | None, ledger_path: Path, as_json: bool, charts_dir: Path | None, target_percent: float, large_attendees: int, xlsx_path: Path | None) -> None:
    """台账统计：日期（默认今天）所在周、月、季度或年度的会议申请和场次（按主办单位、会议类型），
    套开、时长、节省的人·小时，紧急和逾期报送，无会日例外，与去年同期相比的只减不增情况，以及减负统计。"""
    from . import stats as figures_of
    from .values import parse_date

    period = period or "week"
    today = _now(None).date()
    try:
        when = parse_date(day, today) if day else today
    except ValueError as exc:
        raise click.UsageError(f"日期 {day!r} 无效：{exc}") from None
    if not ledger_path.exists():
        raise InputProblemsError(f"{ledger_path}：还没有台账；'scheduler publish' 会创建它")
    start, end = figures_of.period_of(period, when)
    start_before, end_before = figures_of.year_before(period, start)
    with Ledger(ledger_path, create=False) as ledger:
        now_ = figures_of.figures(ledger.request_rows(start, end), ledger.sitting_rows(start, end), start, end)
        before = figures_of.figures(ledger.request_rows(start_before, end_before), ledger.sitting_rows(start_before, end_before), start_before, end_before)
        relief = control.burden_of(ledger, start, end, start_before, end_before, target_percent=target_percent, large_attendees=large_attendees)
        # the 只减不增 line: every week of the year up to the period's end, and the same weeks a year before
        year_start = date(start.year, 1, 1)
        shift = timedelta(days=364)
        weekly, weekly_before = (
            figures_of.weekly_sittings(ledger.request_rows(a - timedelta(days=6), b), ledger.sitting_rows(a - timedelta(days=6), b), a, b)
            for a, b in ((year_start, end), (year_start - shift, end - shift))
        )
    quota = figures_of.quota(now_, before)
    if xlsx_path is not None:
        from .burden import sheets
        from .yearbooks import report_workbook

        write_files(xlsx_path.parent, {xlsx_path.name: report_workbook(sheets(relief), now=_now(None))})
    if charts_dir is not None:
        from .charts import charts

        write_files(charts_dir, charts(period, now_, before, weekly, weekly_before))
    if as_json:
        from .burden import as_dict as burden_dict

        click.echo(json.dumps({"period": period, **figures_of.as_dict(now_), "year_before": figures_of.as_dict(before), "quota": quota, "burden": burden_dict(relief)}, ensure_ascii=False, indent=2))
        return
    click.echo(figures_of.table(period, now_, before, quota), nl=False)
    from .burden import text as burden_text

    click.echo(burden_text(relief), nl=False)
    if xlsx_path is not None:
        click.echo(f"已写入 {xlsx_path}")
    if charts_dir is not None:
        click.echo(f"统计图已写入 {charts_dir}/")


@cli.group(cls=SchedulerGroup, name="plan-year")
def plan_year() -> None:
    """年度会议计划：把一年的会议计划导入台账，或写出空白计划表。"""


@plan_year.command("import")
@click.argument("file", metavar="文件", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--year", type=WholeNumber(2000, 2100), required=True, metavar="年份", help="计划所属的年份，例如 2027（必填）。")
@ledger_option()
@now_option("记录的导入时间（ISO 格式）；默认：现在。")
def plan_year_import(file: Path, year: int, ledger_path: Path, now_text: str | None) -> None:
    """把文件（年度会议计划工作簿或 CSV）作为该年度计划记入台账；同一年度再次导入即替换。
    有误的单元格逐一列出，且不记录任何内容。"""
    if not file.exists():
        raise InputProblemsError(f"{file}：文件不存在；可先运行 scheduler plan-year template 生成空白的年度会议计划表")
    number, items = control.import_annual_plan(file, year=year, ledger_path=ledger_path, now=_now(now_text))
    units = len({i.unit for i in items})
    click.echo(f"已导入{year}年度会议计划（第{number}次导入）：{units}个单位，{len(items)}项会议，其中全市性会议{sum(i.citywide for i in items)}项")


@plan_year.command("template")
@click.argument("file", metavar="[文件]", type=output_file(), default=Path("年度会议计划.xlsx"))
@now_option("写入工作簿的时间（ISO 格式）；默认：现在。")
def plan_year_template(file: Path, now_text: str | None) -> None:
    """写出空白的年度会议计划工作簿到文件（一行示例，带下拉选项）；不覆盖已有文件。"""
    from .annual import ANNUAL_EXAMPLE, ANNUAL_SHEET
    from .yearbooks import blank_workbook

    if file.exists():
        raise InputProblemsError(f"{file} 已存在，不覆盖；请换一个文件名")
    write_files(file.parent, {file.name: blank_workbook(ANNUAL_SHEET, ANNUAL_EXAMPLE, kinds=list(DEFAULT_KINDS), now=_now(now_text))})
    click.echo(f"已写入 {file}")


@cli.group(cls=SchedulerGroup, name="ledger")
def ledger_group() -> None:
    """台账：把各单位自己的会议台账与之核对（双台账）。"""


@ledger_group.command("reconcile")
@click.argument("file", metavar="文件", type=click.Path(dir_okay=False, path_type=Path))
@ledger_option("台账")
@click.option("--from", "start_text", metavar="日期", help="核对的第一天；默认：单位台账的第一天。")
@click.option("--to", "end_text", metavar="日期", help="核对的最后一天；默认：单位台账的最后一天。")
@click.option("--xlsx", "xlsx_path", type=output_file(), metavar="文件", help="同时把核对结果写成工作簿。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出核对结果（供程序读取）。")
@now_option("今天（ISO 格式），用于未写年份的日期；默认：现在。")
def ledger_reconcile(file: Path, ledger_path: Path, start_text: str | None, end_text: str | None, xlsx_path: Path | None, as_json: bool, now_text: str | None) -> None:
    """双台账：把文件（各单位实际召开会议的会议台账）与已发布的台账核对：
    召开了但从未安排的、安排了但未召开的、超时的、参会人数超出的。"""
    from . import reconcile
    from .values import parse_date
    from .yearbooks import report_workbook

    now = _now(now_text)
    if not file.exists():
        raise InputProblemsError(f"{file}：文件不存在")
    if not ledger_path.exists():
        raise InputProblemsError(f"{ledger_path}：还没有台账；先用 scheduler publish 发布周计划")
    days = []
    for name, text in (("--from", start_text), ("--to", end_text)):
        try:
            days.append(parse_date(text, now.date()) if text else None)
        except ValueError as exc:
            raise click.UsageError(f"{name} 的值 {text!r} 无效：{exc}") from None
    result = control.reconcile_file(file, ledger_path=ledger_path, start=days[0], end=days[1], near=now.date())
    if xlsx_path is not None:
        write_files(xlsx_path.parent, {xlsx_path.name: report_workbook([("双台账核对", reconcile.HEADERS, reconcile.table_rows(result))], now=now)})
    if as_json:
        click.echo(json.dumps(reconcile.as_dict(result), ensure_ascii=False, indent=2))
        return
    click.echo(reconcile.text(result), nl=False)
    if xlsx_path is not None:
        click.echo(f"已写入 {xlsx_path}")


@cli.command()
@click.option("--host", default="127.0.0.1", metavar="地址", help="监听的地址；默认：127.0.0.1（只有本机可访问）。")
@click.option("--port", default=8080, type=WholeNumber(1, 65535), metavar="端口", help="监听的端口；默认：8080。")
@ledger_option()
def serve(host: str, port: int, ledger_path: Path) -> None:
    """通过 HTTP 提供最新发布的日历订阅和一周安排网页，地址含秘密令牌（见 'scheduler token'）。
    新的发布立即生效，无需重启。"""
    import uvicorn

    from .server import make_app

    if not ledger_path.exists():
        raise InputProblemsError(f"{ledger_path}：还没有台账；'scheduler publish' 会创建它")
    click.echo(f"正在提供 {ledger_path} 的订阅：http://{host}:{port}/（按 Ctrl+C 停止）", err=True)
    uvicorn.run(make_app(ledger_path), host=host, port=port, log_level="warning", access_log=False, server_header=False)


@cli.group(cls=SchedulerGroup)
def token() -> None:
    """订阅令牌：发放、列出、吊销（台账中只存哈希值）。"""


TOKEN_KINDS_ZH = {"leader": "领导", "unit": "单位", "room": "会议室", "staff": "工作人员"}


def _feed_for(ledger: Ledger, name: str, kind: str) -> tuple[str, str]:
    """(the published file a token for NAME opens, NAME as stored)."""
    if kind == "staff":
        return "all.ics", name
    latest = ledger.latest()
    if latest is None:
        raise InputProblemsError("尚未发布任何安排；请先发布，再发放令牌")
    data = json.loads(latest.plan_json)
    if kind == "leader":
        for leader in data.get("leaders", []):
            if name in (leader["id"], leader["name"]):
                return leader["feed"], leader["name"]
        known = "、".join(x["name"] for x in data.get("leaders", []))
        raise InputProblemsError(f"{name} 不是已发布这一周的领导（现有：{known}）")
    if kind == "room":
        for room in data.get("rooms", []):
            if name in (room["id"], room["name"]):
                return room["feed"], room["name"]
        raise InputProblemsError(f"{name} 不是已发布这一周的会议室")
    for unit in data.get("units", []):
        if name == unit["name"]:
            return unit["feed"], unit["name"]
    raise InputProblemsError(f"{name} 不是已发布这一周的参会单位（请用参会单位中的名称）")


@token.command("issue")
@click.argument("name", metavar="名称")
@click.option("--kind", type=click.Choice(["leader", "unit", "room", "staff"]), default="leader", help="订阅谁的日历：leader 领导（默认）、unit 单位、room 会议室、staff 工作人员（all.ics 和一周安排网页）。")
@click.option("--base-url", default="http://127.0.0.1:8080", metavar="网址", help="订阅者访问服务器的地址（保留其 http 或 https）；默认：http://127.0.0.1:8080。")
@ledger_option()
def token_issue(name: str, kind: str, base_url: str, ledger_path: Path) -> None:
    """为名称（领导的姓名或编号、单位、会议室或工作人员）发放令牌并显示订阅链接。
    令牌只显示这一次，台账只保存其哈希值。"""
    from .server import new_token, token_hash

    secret = new_token()
    with Ledger(ledger_path, create=False) as ledger:
        feed, stored = _feed_for(ledger, name, kind)
        ledger.add_token(name=stored, kind=kind, feed=feed, token_hash=token_hash(secret), now=_now(None))
    scheme, _, host = base_url.rpartition("://")
    scheme, host = (scheme or "http").lower(), host.rstrip("/")
    click.echo(f"{TOKEN_KINDS_ZH[kind]} {stored}：{feed}")
    click.echo(f"  {scheme}://{host}/feeds/{secret}.ics")
    click.echo(f"  webcal://{host}/feeds/{secret}.ics")
    if kind == "staff":
        click.echo(f"  一周安排网页：{scheme}://{host}/week/{secret}")


@token.command("list")
@ledger_option()
def token_list(ledger_path: Path) -> None:
    """列出已发放的令牌（名称和对应的订阅；令牌本身不保存）。"""
    with Ledger(ledger_path, create=False) as ledger:
        for t in ledger.tokens():
            state = f"已吊销 {t.revoked_at}" if t.revoked_at else "有效"
            click.echo(f"{t.id}\t{TOKEN_KINDS_ZH.get(t.kind, t.kind)}\t{t.name}\t{t.feed}\t发放于 {t.created_at}\t{state}")


@token.command("revoke")
@click.argument("name", metavar="名称")
@ledger_option()
def token_revoke(name: str, ledger_path: Path) -> None:
    """吊销名称的全部有效令牌；此后这些链接一律返回 404。"""
    with Ledger(ledger_path, create=False) as ledger:
        n = ledger.revoke(name, _now(None))
    if n == 0:
        raise InputProblemsError(f"{name} 没有有效的令牌")
    click.echo(f"已吊销 {name} 的 {n} 个令牌")
