"""The command line: each command parses options, calls the library, writes files, echoes."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import signal
import sys
import time as wallclock
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from . import __version__, control
from .config import DEFAULT_KINDS
from .errors import InputErrors, SchedulerError
from .intake import load_week
from .report import figures, summary_text
from .files import write_files
from .ledger import Ledger
from .outputs import load_plan_document, render
from .rules import precheck
from .solve import Progress, options_for, solve

REPO = Path(__file__).resolve().parent.parent
DEFAULT_INPUT = Path("calendars/example")
DEFAULT_OUTPUT = Path("calendars/out")
DEFAULT_LEDGER = Path("calendars/ledger.sqlite")
DEFAULT_PUBLISHED = Path("calendars/published")


class InputProblemsError(click.ClickException):
    exit_code = 2


class SchedulerGroup(click.Group):
    """Turns library errors into one clear message per problem and exit status 2."""

    def invoke(self, ctx):
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
        raise click.BadParameter(f"{value!r} is not an ISO date-time (e.g. 2026-12-04T17:00:00+08:00)", param_hint="--now") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("Asia/Shanghai"))


def ledger_option(help: str = "The SQLite ledger (台账)."):
    """The shared --ledger option."""
    return click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_LEDGER, show_default=True, help=help)


def now_option(help: str = "The time stamped in the files (ISO); default: now."):
    """The shared --now option (the CLI is the one place that reads the clock)."""
    return click.option("--now", "now_text", help=help)


@click.group(cls=SchedulerGroup)
@click.version_option(__version__, prog_name="scheduler")
@click.option("-v", "--verbose", count=True, help="More diagnostics on stderr (-vv: the solver's search log).")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines on stderr.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """会议统筹 — plan a week's meetings: combine related ones (套开), keep them short (开短会),
    never double-book a leader or a room."""
    logging.basicConfig(level=logging.DEBUG if verbose >= 2 else logging.INFO if verbose else logging.WARNING, stream=sys.stderr, format="%(message)s")
    ctx.obj = {"verbose": verbose, "quiet": quiet}


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=Path("new-week"))
@now_option("Today (ISO): the template is for the week starting the Monday after it; default: now.")
@click.option("--no-meeting-day", "no_meeting_days", multiple=True, metavar="DAY", help="A 无会日 of that week (周一..周日 or mon..sun); repeat for more. Default: none.")
def template(directory: Path, now_text: str | None, no_meeting_days: tuple[str, ...]) -> None:
    """Write a blank workbook (week.xlsx, with dropdowns and a 填写示例 sheet of example rows that is
    never read) and a commented week.toml for the coming week to DIRECTORY."""
    from .template import template_files

    if (directory / "week.xlsx").exists() or (directory / "week.toml").exists():
        raise InputProblemsError(f"{directory} 中已有 week.xlsx 或 week.toml；请选一个空文件夹")
    write_files(directory, template_files(now=_now(now_text), no_meeting_days=no_meeting_days))
    click.echo(f"wrote {directory / 'week.xlsx'} and {directory / 'week.toml'}")


@cli.command()
@click.argument("input_dir", metavar="[INPUT]", required=False, type=click.Path(path_type=Path))
@now_option("Today, for a week.toml without 'week' (ISO); default: now.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@ledger_option("The ledger (台账): annual plans, quotas and repeated meetings on one matter are read from it.")
def check(input_dir: Path | None, now_text: str | None, as_json: bool, ledger_path: Path) -> None:
    """Validate a week's folder and list what staff should know, without solving."""
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
    click.echo(
        f"{folder}: week of {problem.week}, {len(problem.requests)} requests, {len(problem.receptions)} receptions, "
        f"{len(problem.leaders)} leaders, {len(problem.rooms)} rooms, {len(problem.commitments)} commitments, {len(problem.days)} working days"
    )
    for line in year.lines:
        click.echo(line)
    click.echo(f"{len(findings)} findings" + (":" if findings else ""))
    for f in findings:
        click.echo(f"  [{f.rule}] {f.message}")


@cli.command()
@click.argument("input_dir", metavar="[INPUT]", required=False, type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_OUTPUT, show_default=True, help="Folder for the plan files and feeds.")
@click.option("--time-limit", type=click.FloatRange(min=0.1), help="The solver's budget in seconds (default: week.toml's time_limit_seconds).")
@now_option("The publication time stamped in the files (ISO); default: now. The same --now gives byte-identical files.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON instead of text.")
@ledger_option("The ledger (台账): annual plans, quotas and repeated meetings on one matter are read from it; a week published in it is re-planned against its publication.")
@click.option("--fresh", is_flag=True, help="Plan from scratch even when the week has a publication in the ledger.")
@click.pass_context
def plan(ctx: click.Context, input_dir: Path | None, out_dir: Path, time_limit: float | None, now_text: str | None, as_json: bool, ledger_path: Path, fresh: bool) -> None:
    """Plan a week (default: the bundled example week) and write the plan files and feeds.
    A week already published is re-planned against its publication (as few changes as
    possible, the changes printed); --fresh plans from scratch."""
    from .whatif import diff_table, plan_week

    folder = _input_folder(input_dir)
    now = _now(now_text)
    problem = load_week(folder, today=now.date())
    quiet = ctx.obj["quiet"]
    started = wallclock.monotonic()
    progress = _progress_printer(quiet)
    if not quiet:
        click.echo(f"planning {len(problem.requests)} requests for the week of {problem.week} ...", err=True)
    year = control.review(problem, ledger_path)

    def solver(p, previous):
        solvable = control.for_solver(p, year)
        return control.with_excluded(p, solve(solvable, _options(ctx, solvable, time_limit), on_progress=progress, previous=previous), year)

    run = plan_week(problem, folder=folder, ledger_path=ledger_path, fresh=fresh, now=now, solver=solver)
    problem, result, files = run.problem, run.plan, run.files
    write_files(out_dir, files)
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
        click.echo(f"  [{finding.rule}] {finding.message}")
    click.echo(f"wrote {len(files)} files to {out_dir}/ (plan.json, plan.xlsx, report.html, all.ics and {len(files) - 4} feeds) in {wallclock.monotonic() - started:.1f} s")


def _write_plan(problem, result, out_dir: Path, *, now: datetime, folder: Path) -> dict[str, bytes]:
    """Render every output of a plan and write them all (or none) to out_dir."""
    files = render(problem, result, now, input=str(folder))
    write_files(out_dir, files)
    return files


def _options(ctx: click.Context, problem, time_limit: float | None):
    """The solver's options from week.toml and the command line (-vv logs the search)."""
    return dataclasses.replace(options_for(problem, time_limit), log_search=ctx.obj["verbose"] >= 2)


def _progress_printer(quiet: bool):
    last = [0.0]

    def progress(p: Progress) -> None:
        if not quiet and p.seconds - last[0] >= 0.5:
            last[0] = p.seconds
            click.echo(f"  求解：{p.level} 当前值 {p.value}，界 {p.bound}，已用 {p.seconds:.1f} 秒", err=True)

    return progress


def _checkpoint(name: str) -> None:
    """Testing aid: SCHEDULER_CRASH_AT=<name> kills this process (SIGKILL) at that point, so
    that the tests can show a publication killed half-way leaves the previous state intact."""
    if os.environ.get("SCHEDULER_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


@cli.command()
@click.argument("plan_dir", metavar="[PLAN_DIR]", required=False, type=click.Path(path_type=Path), default=DEFAULT_OUTPUT)
@click.option("--input", "input_dir", type=click.Path(file_okay=False, path_type=Path), help="The week's folder (default: the one plan.json names).")
@ledger_option()
@click.option("--to", "published", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_PUBLISHED, show_default=True, help="Where published feeds live.")
@now_option("The publication time (ISO); default: now.")
def publish(plan_dir: Path, input_dir: Path | None, ledger_path: Path, published: Path, now_text: str | None) -> None:
    """Record an approved plan (PLAN_DIR, default calendars/out; a what-if variant too) in the
    ledger and publish its feeds, after checking every hard rule against the current inputs."""
    from .publish import publish_folder

    done = publish_folder(
        plan_dir, input_dir=input_dir, default_input=_input_folder(None), ledger_path=ledger_path, root=published, now=_now(now_text), checkpoint=_checkpoint,
    )
    click.echo(
        f"published the week of {done.week} as publication {done.number}: {done.events} events "
        f"({done.new} new, {done.changed} changed, {done.cancelled} cancelled) in {done.feeds} feeds -> {done.link}/"
    )
    click.echo(f"订阅源包含 {len(done.weeks)} 周：{'、'.join(done.weeks)} -> {published / 'feeds' / 'current'}/")


def _load_plan_document(path: Path) -> dict:
    return load_plan_document(path)


@cli.command()
@click.argument("plan_dir", metavar="[PLAN]", required=False, type=click.Path(path_type=Path))
@click.option("--away", "aways", nargs=2, multiple=True, metavar="LEADER FROM[..TO]", help="A leader away: a date or half-day, or a span, e.g. 王志刚 2026-12-09下午 or 王志刚 2026-12-09..2026-12-10.")
@click.option("--add", "adds", multiple=True, type=click.Path(dir_okay=False, exists=True, path_type=Path), help="A file of extra request rows (会议申请 columns, CSV or xlsx).")
@click.option("--drop", "drops", multiple=True, metavar="ID", help="Drop a request.")
@click.option("--fix", "fixes", multiple=True, metavar="ID=DATETIME", help="Fix a request's start, e.g. H01=2026-12-08 9:00.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Change a week.toml key, e.g. no_meeting_days=[\"周四\"].")
@click.option("--input", "input_dir", type=click.Path(file_okay=False, path_type=Path), help="The week's folder (default: the one the plan names).")
@ledger_option()
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("calendars/whatif"), show_default=True, help="Folder for the variant's plan files and feeds.")
@click.option("--time-limit", type=click.FloatRange(min=0.1))
@now_option("The time stamped in the files (ISO); default: now.")
@click.pass_context
def whatif(ctx, plan_dir, aways, adds, drops, fixes, sets, input_dir, ledger_path, out_dir, time_limit, now_text) -> None:
    """Re-plan a variant of a week against its last published plan (or the plan folder PLAN),
    changing as little as it can, and print what moves. The published feeds are never touched."""
    from . import whatif as variants

    now = _now(now_text)
    if plan_dir is not None:
        data = load_plan_document(plan_dir)
    else:
        if not ledger_path.exists():
            raise InputProblemsError(f"{ledger_path}: nothing published yet; publish a plan first or name a plan folder")
        with Ledger(ledger_path, create=False) as ledger:
            latest = ledger.latest()
        if latest is None:
            raise InputProblemsError(f"{ledger_path}: nothing published yet; publish a plan first or name a plan folder")
        data = json.loads(latest.plan_json)
    variant = variants.Variant(
        away=tuple(aways), add=tuple(str(Path(x).resolve()) for x in adds), drop=tuple(drops), fix=tuple(fixes), set=tuple(sets),
    )
    if not ctx.obj["quiet"]:
        click.echo(f"re-planning the week of {data['week']} against the published plan ...", err=True)
    run = variants.run_variant(
        data, variant, input_dir=input_dir, default_input=_input_folder(None), now=now,
        options=lambda problem: _options(ctx, problem, time_limit), on_progress=_progress_printer(ctx.obj["quiet"]),
    )
    write_files(out_dir, run.files)
    click.echo(variants.diff_table(run.changes), nl=False)
    click.echo(f"{len(run.changes)} requests changed; the variant is in {out_dir}/ (the published feeds are unchanged)")


@cli.command()
@click.argument("a", type=click.Path(exists=True, path_type=Path))
@click.argument("b", type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
def diff(a: Path, b: Path, as_json: bool) -> None:
    """Print what moved, was added, dropped, shortened or regrouped from plan A to plan B
    (plan folders or plan.json files)."""
    from . import whatif as variants

    changes = variants.diff(_load_plan_document(a), _load_plan_document(b))
    if as_json:
        click.echo(json.dumps([
            {"request": c.request_id, "title": c.title, "changes": list(c.kinds), "before": c.before, "after": c.after, "reason": c.reason}
            for c in changes
        ], ensure_ascii=False, indent=2))
        return
    click.echo(variants.diff_table(changes), nl=False)


@cli.command()
@click.option("--week", "period", flag_value="week", help="The week holding DATE.")
@click.option("--month", "period", flag_value="month", help="The month holding DATE.")
@click.option("--quarter", "period", flag_value="quarter", help="The quarter holding DATE.")
@click.option("--year", "period", flag_value="year", help="The year holding DATE.")
@click.argument("day", metavar="[DATE]", required=False)
@ledger_option()
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--charts", "charts_dir", type=click.Path(file_okay=False, path_type=Path), help="Also write PNG charts (Chinese labels) to this folder.")
@click.option("--target", "target_percent", type=click.FloatRange(0, 100, max_open=True), default=0.0, show_default=True, help="The reduction target against the same period last year, in percent (e.g. 20 for 大型会议 −20 %); 0 = 只减不增.")
@click.option("--large-attendees", type=click.IntRange(1), default=100, show_default=True, help="大型会议: meetings of at least this many attendees.")
@click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write the 统计报表 workbook (减负统计) to this file.")
def stats(period: str | None, day: str | None, ledger_path: Path, as_json: bool, charts_dir: Path | None, target_percent: float, large_attendees: int, xlsx_path: Path | None) -> None:
    """Figures from the ledger for the week, month, quarter or year holding DATE (default: today):
    sittings and requests by organiser and type, combined items, minutes, person-hours saved,
    urgent and late requests, no-meeting-day exceptions, and the change against the same period
    a year before (只减不增)."""
    from . import stats as figures_of
    from .values import parse_date

    period = period or "week"
    today = _now(None).date()
    try:
        when = parse_date(day, today) if day else today
    except ValueError as exc:
        raise click.BadParameter(f"{day!r} {exc}", param_hint="DATE") from None
    if not ledger_path.exists():
        raise InputProblemsError(f"{ledger_path}: no ledger yet; 'scheduler publish' creates it")
    start, end = figures_of.period_of(period, when)
    start_before, end_before = figures_of.year_before(period, start)
    with Ledger(ledger_path, create=False) as ledger:
        now_ = figures_of.figures(ledger.request_rows(start, end), ledger.sitting_rows(start, end), start, end)
        before = figures_of.figures(ledger.request_rows(start_before, end_before), ledger.sitting_rows(start_before, end_before), start_before, end_before)
        relief = control.burden_of(ledger, start, end, start_before, end_before, target_percent=target_percent, large_attendees=large_attendees)
    quota = figures_of.quota(now_, before)
    if xlsx_path is not None:
        from .burden import sheets
        from .yearbooks import report_workbook

        write_files(xlsx_path.parent, {xlsx_path.name: report_workbook(sheets(relief), now=_now(None))})
    if charts_dir is not None:
        from .charts import charts

        write_files(charts_dir, charts(period, now_, before))
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
        click.echo(f"wrote charts to {charts_dir}/")


@cli.group(cls=SchedulerGroup, name="plan-year")
def plan_year() -> None:
    """年度会议计划: import a year's plan of meetings into the ledger, or write a blank one."""


@plan_year.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--year", type=click.IntRange(2000, 2100), required=True, help="The year the plan is for, e.g. 2027.")
@ledger_option()
@now_option("The import time recorded (ISO); default: now.")
def plan_year_import(file: Path, year: int, ledger_path: Path, now_text: str | None) -> None:
    """Record FILE (a 年度会议计划 workbook or CSV) as the year's plan in the ledger; a later import
    of the same year replaces it. Every bad cell is listed and nothing is recorded."""
    if not file.exists():
        raise InputProblemsError(f"{file}：文件不存在；可先运行 scheduler plan-year template 生成空白的年度会议计划表")
    number, items = control.import_annual_plan(file, year=year, ledger_path=ledger_path, now=_now(now_text))
    units = len({i.unit for i in items})
    click.echo(f"已导入{year}年度会议计划（第{number}次导入）：{units}个单位，{len(items)}项会议，其中全市性会议{sum(i.citywide for i in items)}项")


@plan_year.command("template")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path), default=Path("年度会议计划.xlsx"))
@now_option("The time stamped in the workbook (ISO); default: now.")
def plan_year_template(file: Path, now_text: str | None) -> None:
    """Write a blank 年度会议计划 workbook (one example row, dropdowns) to FILE. Refuses to overwrite."""
    from .annual import ANNUAL_EXAMPLE, ANNUAL_SHEET
    from .yearbooks import blank_workbook

    if file.exists():
        raise InputProblemsError(f"{file} 已存在，不覆盖；请换一个文件名")
    write_files(file.parent, {file.name: blank_workbook(ANNUAL_SHEET, ANNUAL_EXAMPLE, kinds=list(DEFAULT_KINDS), now=_now(now_text))})
    click.echo(f"已写入 {file}")


@cli.group(cls=SchedulerGroup, name="ledger")
def ledger_group() -> None:
    """The ledger (台账): check the units' own record of meetings held against it (双台账)."""


@ledger_group.command("reconcile")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_LEDGER, show_default=True)
@click.option("--from", "start_text", metavar="DATE", help="The first day checked (default: the record's first day).")
@click.option("--to", "end_text", metavar="DATE", help="The last day checked (default: the record's last day).")
@click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write the report as a workbook.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--now", "now_text", help="Today (ISO), for dates written without a year; default: now.")
def ledger_reconcile(file: Path, ledger_path: Path, start_text: str | None, end_text: str | None, xlsx_path: Path | None, as_json: bool, now_text: str | None) -> None:
    """双台账: check FILE (the units' 会议台账 of meetings actually held) against the published
    ledger: held but never planned, planned but not held, held longer, more attendees."""
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
            raise click.BadParameter(f"{text!r} {exc}", param_hint=name) from None
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
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on (only this machine unless told otherwise).")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@ledger_option()
def serve(host: str, port: int, ledger_path: Path) -> None:
    """Serve the latest publication's feeds and week page over HTTP, at secret token URLs
    (see 'scheduler token'). A new publication is served at once, without a restart."""
    import uvicorn

    from .server import make_app

    if not ledger_path.exists():
        raise InputProblemsError(f"{ledger_path}: no ledger yet; 'scheduler publish' creates it")
    click.echo(f"serving {ledger_path} on http://{host}:{port}/ (Ctrl+C stops)", err=True)
    uvicorn.run(make_app(ledger_path), host=host, port=port, log_level="warning", access_log=False, server_header=False)


@cli.group(cls=SchedulerGroup)
def token() -> None:
    """Subscription tokens: issue, list, revoke (stored hashed in the ledger)."""


def _feed_for(ledger: Ledger, name: str, kind: str) -> tuple[str, str]:
    """(the published file a token for NAME opens, NAME as stored)."""
    if kind == "staff":
        return "all.ics", name
    latest = ledger.latest()
    if latest is None:
        raise InputProblemsError("nothing published yet; publish a plan before issuing tokens")
    data = json.loads(latest.plan_json)
    if kind == "leader":
        for leader in data.get("leaders", []):
            if name in (leader["id"], leader["name"]):
                return leader["feed"], leader["name"]
        known = "、".join(x["name"] for x in data.get("leaders", []))
        raise InputProblemsError(f"{name!r} is not a leader of the published week (known: {known})")
    if kind == "room":
        for room in data.get("rooms", []):
            if name in (room["id"], room["name"]):
                return room["feed"], room["name"]
        raise InputProblemsError(f"{name!r} is not a room of the published week")
    for unit in data.get("units", []):
        if name == unit["name"]:
            return unit["feed"], unit["name"]
    raise InputProblemsError(f"{name!r} is not a unit of the published week (a unit's name as in 参会单位)")


@token.command("issue")
@click.argument("name")
@click.option("--kind", type=click.Choice(["leader", "unit", "room", "staff"]), default="leader", show_default=True, help="Whose feed: a leader's, a unit's, a room's, or staff (all.ics and the week page).")
@click.option("--base-url", default="http://127.0.0.1:8080", show_default=True, help="The address subscribers reach the server at (its scheme is kept: http or https).")
@ledger_option()
def token_issue(name: str, kind: str, base_url: str, ledger_path: Path) -> None:
    """Issue a token for NAME (a leader's 姓名 or 编号, a unit, a room, or a staff member) and print
    the subscription links. The token is shown once; only its hash is kept."""
    from .server import new_token, token_hash

    secret = new_token()
    with Ledger(ledger_path, create=False) as ledger:
        feed, stored = _feed_for(ledger, name, kind)
        ledger.add_token(name=stored, kind=kind, feed=feed, token_hash=token_hash(secret), now=_now(None))
    scheme, _, host = base_url.rpartition("://")
    scheme, host = (scheme or "http").lower(), host.rstrip("/")
    click.echo(f"{kind} {stored}: {feed}")
    click.echo(f"  {scheme}://{host}/feeds/{secret}.ics")
    click.echo(f"  webcal://{host}/feeds/{secret}.ics")
    if kind == "staff":
        click.echo(f"  week page: {scheme}://{host}/week/{secret}")


@token.command("list")
@ledger_option()
def token_list(ledger_path: Path) -> None:
    """List the tokens issued (names and what they open; the secrets are not kept)."""
    with Ledger(ledger_path, create=False) as ledger:
        for t in ledger.tokens():
            state = f"revoked {t.revoked_at}" if t.revoked_at else "active"
            click.echo(f"{t.id}\t{t.kind}\t{t.name}\t{t.feed}\tissued {t.created_at}\t{state}")


@token.command("revoke")
@click.argument("name")
@ledger_option()
def token_revoke(name: str, ledger_path: Path) -> None:
    """Revoke every active token of NAME; their links answer 404 from now on."""
    with Ledger(ledger_path, create=False) as ledger:
        n = ledger.revoke(name, _now(None))
    if n == 0:
        raise InputProblemsError(f"no active token for {name!r}")
    click.echo(f"revoked {n} token(s) of {name}")
