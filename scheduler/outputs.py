"""Every output of a plan as {relative path: bytes}: the feeds, plan.json, plan.xlsx, the
notices/ and report.html. Pure: the caller writes them (files.write_files refuses any path outside its
folder; every name from the data already went through files.safe_name in ics)."""

from __future__ import annotations

import json
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


def load_plan_document(path: Path) -> dict:
    """A plan.json (or a folder holding one), checked to be one of ours."""
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
    return data
