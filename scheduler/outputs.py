"""Every output of a plan as {relative path: bytes}: the feeds, plan.json, plan.xlsx, the
notices/ and report.html. Pure: the caller writes them (files.write_files refuses any path outside its
folder; every name from the data already went through files.safe_name in ics)."""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from pathlib import Path

from .domain import Plan, Problem
from .errors import PlanError
from .excel import plan_workbook
from .notices import notices
from .ics import feeds as render_feeds
from .report import SCHEMA, plan_json, report_html


def render(
    problem: Problem, plan: Plan, now: datetime, *, input: str = "", feeds: dict[str, bytes] | None = None,
    workbook: bool = True, extra_json: dict | None = None,
) -> dict[str, bytes]:
    """feeds: already rendered feeds (a publication's, with SEQUENCE and cancellations);
    workbook: False leaves plan.xlsx and the notices/ out (a publication holds the feeds and the pages);
    extra_json: keys added to plan.json (e.g. the what-if variant it was made from)."""
    files = dict(feeds) if feeds is not None else render_feeds(problem, plan, now=now)
    feed_paths = list(files)
    document = plan_json(problem, plan, now=now, feed_paths=feed_paths, input=input)
    if extra_json:
        data = json.loads(document)
        data.update(extra_json)
        document = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    files["plan.json"] = document.encode("utf-8")
    if workbook:
        files["plan.xlsx"] = plan_workbook(problem, plan, now=now)
        files.update(notices(problem, plan, now=now))
    files["report.html"] = report_html(problem, plan, now=now).encode("utf-8")
    return files


def input_for(folder: Path, out: Path | None) -> str:
    """How plan.json names the week's input folder: relative to the folder plan.json is written
    to, so that it resolves from any working directory and the same inputs give the same bytes on
    any machine (an absolute path would not); without an output folder, as given."""
    if out is None:
        return str(folder)
    return Path(os.path.relpath(os.path.abspath(folder), os.path.abspath(out))).as_posix()


def _resolve_input(data: dict, plan_folder: Path) -> None:
    """data["input"] made usable from here: relative to the plan folder; a plan.json written
    before that (its input relative to where `plan` was run) falls back to the name as it is."""
    named = data.get("input")
    if not isinstance(named, str) or not named or Path(named).is_absolute():
        return
    beside = Path(os.path.normpath(plan_folder / named))
    if beside.is_dir() or not Path(named).is_dir():
        data["input"] = str(beside)


def load_plan_document(path: Path) -> dict:
    """A plan.json (or a folder holding one), checked to be one of ours; its "input" resolved
    against the plan's folder."""
    path = Path(path)
    path = path / "plan.json" if path.is_dir() else path
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanError(f"{path}：找不到方案文件 plan.json，请先运行 scheduler plan") from None
    except (OSError, ValueError) as exc:
        raise PlanError(f"{path}：无法读取方案（{exc}），请先运行 scheduler plan") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or not isinstance(data.get("week"), str):
        raise PlanError(f"{path}：不是 scheduler plan 生成的 plan.json（应为 schema {SCHEMA}）")
    try:
        date.fromisoformat(data["week"])
        for s in data["sittings"]:
            for item in s["items"]:
                str(item["request_id"]), datetime.fromisoformat(item["start"]), datetime.fromisoformat(item["end"])
            s["room"]["id"], s["chair"]["id"], s["request_ids"]
        for r in data["requests"]:
            r["id"], r["title"], r["outcome"]["codes"], r["outcome"]["reasons"]
        data["solver"]["status"]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PlanError(f"{path}：plan.json 内容不完整或已被改坏（{exc.__class__.__name__}: {exc}），请重新运行 scheduler plan") from None
    _resolve_input(data, path.parent)
    return data
