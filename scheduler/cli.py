"""The command line: each command parses options, calls the library, writes files, echoes."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import tempfile
import time as wallclock
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from . import __version__
from .config import DEFAULT_KINDS
from .errors import InputErrors, SchedulerError
from .ics import feeds
from .intake import SHEETS, load_week
from .report import figures, plan_json, report_html, summary_text
from .excel import plan_workbook, template_workbook
from .rules import precheck
from .solve import Progress, options_for, solve

REPO = Path(__file__).resolve().parent.parent
DEFAULT_INPUT = Path("calendars/example")
DEFAULT_OUTPUT = Path("calendars/out")


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


def write_files(out: Path, files: dict[str, bytes]) -> None:
    """Write every file or none: all go to a temporary folder first, then each is renamed."""
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    try:
        for name, data in files.items():
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        for name in files:
            final = out / name
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


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
@click.option("--now", "now_text", help="The time stamped in the workbook (ISO); default: now.")
def template(directory: Path, now_text: str | None) -> None:
    """Write a blank workbook (week.xlsx, with dropdowns) and a commented week.toml to DIRECTORY."""
    now = _now(now_text)
    if (directory / "week.xlsx").exists() or (directory / "week.toml").exists():
        raise InputProblemsError(f"{directory} already holds week.xlsx or week.toml; choose an empty folder")
    example_toml = (_input_folder(None) / "week.toml").read_text(encoding="utf-8")
    write_files(directory, {
        "week.xlsx": template_workbook(SHEETS, list(DEFAULT_KINDS), now=now),
        "week.toml": example_toml.encode("utf-8"),
    })
    click.echo(f"wrote {directory / 'week.xlsx'} and {directory / 'week.toml'}")


@cli.command()
@click.argument("input_dir", metavar="[INPUT]", required=False, type=click.Path(path_type=Path))
@click.option("--now", "now_text", help="Today, for a week.toml without 'week' (ISO); default: now.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def check(input_dir: Path | None, now_text: str | None, as_json: bool) -> None:
    """Validate a week's folder and list what staff should know, without solving."""
    folder = _input_folder(input_dir)
    problem = load_week(folder, today=_now(now_text).date())
    findings = precheck(problem)
    if as_json:
        click.echo(json.dumps({
            "week": problem.week.isoformat(), "requests": len(problem.requests), "receptions": len(problem.receptions),
            "leaders": len(problem.leaders), "rooms": len(problem.rooms), "commitments": len(problem.commitments),
            "findings": [{"rule": f.rule, "request": f.request_id, "message": f.message} for f in findings],
        }, ensure_ascii=False, indent=2))
        return
    click.echo(
        f"{folder}: week of {problem.week}, {len(problem.requests)} requests, {len(problem.receptions)} receptions, "
        f"{len(problem.leaders)} leaders, {len(problem.rooms)} rooms, {len(problem.commitments)} commitments, {len(problem.days)} working days"
    )
    click.echo(f"{len(findings)} findings" + (":" if findings else ""))
    for f in findings:
        click.echo(f"  [{f.rule}] {f.message}")


@cli.command()
@click.argument("input_dir", metavar="[INPUT]", required=False, type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_OUTPUT, show_default=True, help="Folder for the plan files and feeds.")
@click.option("--time-limit", type=click.FloatRange(min=0.1), help="The solver's budget in seconds (default: week.toml's time_limit_seconds).")
@click.option("--now", "now_text", help="The publication time stamped in the files (ISO); default: now. The same --now gives byte-identical files.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON instead of text.")
@click.pass_context
def plan(ctx: click.Context, input_dir: Path | None, out_dir: Path, time_limit: float | None, now_text: str | None, as_json: bool) -> None:
    """Plan a week (default: the bundled example week) and write the plan files and feeds."""
    folder = _input_folder(input_dir)
    now = _now(now_text)
    problem = load_week(folder, today=now.date())
    quiet = ctx.obj["quiet"]
    started = wallclock.monotonic()
    last = [0.0]

    def progress(p: Progress) -> None:
        if not quiet and p.seconds - last[0] >= 0.5:
            last[0] = p.seconds
            click.echo(f"  solving: objective {p.objective:.0f}, bound {p.bound:.0f}, {p.seconds:.1f} s", err=True)

    if not quiet:
        click.echo(f"planning {len(problem.requests)} requests for the week of {problem.week} ...", err=True)
    result = solve(problem, options_for(problem, time_limit), on_progress=progress)
    files = feeds(problem, result, now=now)
    feed_paths = list(files)
    files["plan.json"] = plan_json(problem, result, now=now, feed_paths=feed_paths).encode("utf-8")
    files["plan.xlsx"] = plan_workbook(problem, result, now=now)
    files["report.html"] = report_html(problem, result, now=now).encode("utf-8")
    write_files(out_dir, files)
    if as_json:
        f = figures(problem, result)
        click.echo(json.dumps({
            "week": problem.week.isoformat(), "out": str(out_dir), "status": result.stats.status, "gap": result.stats.gap,
            "seconds": round(wallclock.monotonic() - started, 2), "requests": f.requests, "sittings": f.sittings,
            "combined_items": f.combined_items, "unscheduled": [o.request_id for o in result.outcomes if not o.scheduled],
            "minutes_saved": f.minutes_saved, "leader_hours": f.leader_hours,
            "person_hours_requested": f.person_hours_requested, "person_hours_planned": f.person_hours_planned,
        }, ensure_ascii=False, indent=2))
        return
    click.echo(summary_text(problem, result), nl=False)
    click.echo(f"wrote {len(files)} files to {out_dir}/ (plan.json, plan.xlsx, report.html, all.ics and {len(files) - 4} feeds) in {wallclock.monotonic() - started:.1f} s")
