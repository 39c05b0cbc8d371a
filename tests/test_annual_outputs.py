"""计划内 / 计划外 where staff and reviewers look: the 一周会议安排表 (plan.xlsx), the week page
(report.html) and plan.json — and nothing said either way when no annual plan was loaded."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import openpyxl

from scheduler.annual import IN_PLAN, OUT_OF_PLAN, AnnualItem
from scheduler.control import Records, review_records, with_excluded
from scheduler.domain import APPROVED, SCHEDULED, Outcome
from scheduler.outputs import render
from scheduler.report import plan_from_json
from tests.conftest import NOW, at, make_plan, make_problem, make_request, make_sitting

INSIDE = make_request("A", title="全市重点项目建设推进会", kind="推进会", organiser="市发展改革委", approval=APPROVED)
OUTSIDE = make_request("B", title="城市更新座谈会", kind="座谈会", organiser="市发展改革委", chair="L2", approval=APPROVED)
PLANNED = AnnualItem(id="P1", row=2, year=2026, unit="市发展改革委", title="全市重点项目建设推进会", kind="推进会")


def week():
    problem = make_problem([INSIDE, OUTSIDE])
    plan = make_plan(make_sitting(INSIDE, at(0, "9:00")), make_sitting(OUTSIDE, at(1, "9:00"), room="R2"))
    plan = replace(plan, outcomes=tuple(Outcome(request_id=s.id, codes=(SCHEDULED,), sitting=s.id) for s in plan.sittings))
    return problem, plan


def outputs(with_annual_plan: bool):
    problem, plan = week()
    review = review_records(problem, Records(items=(PLANNED,) if with_annual_plan else ()))
    plan = with_excluded(problem, plan, review)  # as `scheduler plan` hands the solver's plan on
    return problem, plan, render(problem, plan, NOW)


def main_sheet_text(files) -> list[str]:
    ws = openpyxl.load_workbook(io.BytesIO(files["plan.xlsx"]))["一周会议安排表"]
    return [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]


def test_the_plan_carries_each_requests_annual_status():
    _, plan, _ = outputs(True)
    assert plan.annual_plan == {"A": IN_PLAN, "B": OUT_OF_PLAN}
    assert outputs(False)[1].annual_plan is None


def test_plan_json_says_in_or_out_per_request_and_null_without_an_annual_plan():
    problem, _, files = outputs(True)
    data = json.loads(files["plan.json"])
    assert {r["id"]: r["annual_plan"] for r in data["requests"]} == {"A": "in", "B": "out"}
    assert plan_from_json(problem, data).annual_plan == {"A": IN_PLAN, "B": OUT_OF_PLAN}  # read back by publish/notices/diff
    data = json.loads(outputs(False)[2]["plan.json"])
    assert {r["id"]: r["annual_plan"] for r in data["requests"]} == {"A": None, "B": None}


def test_the_circulated_table_marks_out_of_plan_meetings_and_says_it_was_checked():
    texts = main_sheet_text(outputs(True)[2])
    assert "城市更新座谈会（计划外）" in texts and "全市重点项目建设推进会" in texts
    assert not any("推进会（计划" in t for t in texts)
    assert any("标“（计划外）”的为年度计划外会议，其余为计划内" in t for t in texts)


def test_the_circulated_table_says_nothing_of_the_annual_plan_without_one():
    texts = main_sheet_text(outputs(False)[2])
    assert not any("计划外" in t or "计划内" in t or "年度会议计划" in t for t in texts)


def test_all_in_plan_is_said_once_in_the_note():
    problem, plan = week()
    planned_too = AnnualItem(id="P2", row=3, year=2026, unit="市发展改革委", title="城市更新座谈会", kind="座谈会")
    plan = with_excluded(problem, plan, review_records(problem, Records(items=(PLANNED, planned_too))))
    texts = main_sheet_text(render(problem, plan, NOW))
    assert not any("（计划外）" in t for t in texts[3:-1])
    assert any("各会议已对照年度会议计划，均为计划内。" in t for t in texts)


def test_the_week_page_badges_out_of_plan_meetings_only_with_an_annual_plan():
    page = outputs(True)[2]["report.html"].decode("utf-8")
    assert '城市更新座谈会<span class="badge outside">计划外</span>' in page
    assert '全市重点项目建设推进会<span class="badge outside">' not in page
    assert "年度会议计划外（未标者为计划内）" in page  # the legend explains the mark
    bare = outputs(False)[2]["report.html"].decode("utf-8")
    assert "计划外" not in bare and "计划内" not in bare


def test_a_whatif_variant_is_matched_against_the_ledgers_annual_plan(tmp_path, monkeypatch, example_problem):
    """`whatif` (the solve stood in for by the plan it starts from) marks its requests as
    `plan` does when the ledger holds the year's plan, and says nothing when it holds none."""
    from click.testing import CliRunner

    import scheduler.solve
    from scheduler.cli import cli
    from scheduler.domain import Plan
    from scheduler.whatif import Variant, run_variant
    from tests.conftest import EXAMPLE, WEEK
    from tests.test_annual import SAMPLE

    monkeypatch.setattr(scheduler.solve, "solve", lambda problem, options, on_progress=None, previous=None: previous)
    empty = Plan(week=WEEK, sittings=(), outcomes=tuple(Outcome(request_id=r.id, codes=("not_placeable",)) for r in example_problem.requests))
    data = json.loads(render(example_problem, empty, NOW)["plan.json"])
    ledger = tmp_path / "ledger.sqlite"

    def variant():
        run = run_variant(data, Variant(), input_dir=EXAMPLE, default_input=EXAMPLE, now=NOW, options=lambda p: None, ledger_path=ledger)
        return {r["id"]: r["annual_plan"] for r in json.loads(run.files["plan.json"])["requests"]}

    assert set(variant().values()) == {None}
    imported = CliRunner().invoke(cli, ["plan-year", "import", str(SAMPLE), "--year", "2026", "--ledger", str(ledger), "--now", "2026-01-05T09:00:00+08:00"])
    assert imported.exit_code == 0, imported.output
    marks = variant()
    assert marks["H01"] == "in" and marks["H02"] == "out" and None not in marks.values()
