"""A 无会日 made on the command line (`whatif --set no_meeting_days=[...]`) shows on the week
page as one from week.toml does, and the served week page names it as the cause of a change,
as `whatif` itself does."""

from __future__ import annotations

import json
from dataclasses import replace

from scheduler.domain import APPROVED, SCHEDULED, Outcome
from scheduler.ledger import Publication
from scheduler.outputs import render
from scheduler.server import _with_bar
from scheduler.whatif import Variant, apply, compare
from tests.conftest import NOW, at, make_plan, make_problem, make_request, make_sitting

A = make_request("A", title="冬季供暖保障专题会", approval=APPROVED)
B = make_request("B", title="城市更新座谈会", chair="L2", approval=APPROVED)
TUESDAY = Variant(set=('no_meeting_days=["周二"]',))


def planned(problem, *sittings):
    plan = make_plan(*sittings)
    return replace(plan, outcomes=tuple(Outcome(request_id=s.id, codes=(SCHEDULED,), sitting=s.id) for s in plan.sittings))


def documents():
    """The published plan (A on Tuesday) and a variant making Tuesday a 无会日 (A moved to Monday)."""
    base = make_problem([A, B], days=3)
    before = planned(base, make_sitting(A, at(1, "9:00")), make_sitting(B, at(2, "9:00"), room="R2"))
    variant = apply(base, TUESDAY)
    after = planned(variant, make_sitting(A, at(0, "9:00")), make_sitting(B, at(2, "9:00"), room="R2"))
    a = render(base, before, NOW)
    b = render(variant, after, NOW, extra_json={"variant": TUESDAY.to_json()})
    return variant, after, a, b


def test_a_set_no_meeting_day_is_headed_on_the_week_page_as_a_week_toml_one():
    variant, after, _, b = documents()
    from_toml = make_problem([A, B], days=3, no_meeting_days=(1,))
    page = b["report.html"].decode("utf-8")
    assert "<th>12月8日 周二（无会日）</th>" in page and "<h3>12月8日 周二（无会日）</h3>" in page
    assert page.count("（无会日）") == render(from_toml, after, NOW)["report.html"].decode("utf-8").count("（无会日）") == 2


def test_plan_json_lists_the_no_meeting_days():
    _, _, a, b = documents()
    assert json.loads(a["plan.json"])["no_meeting_days"] == []
    assert json.loads(b["plan.json"])["no_meeting_days"] == ["2026-12-08"]


class OneWeek:
    """The two publications of the week, as the ledger gives them to the served page."""

    def __init__(self, a: bytes, b: bytes):
        self.first = Publication(id=1, week="2026-12-07", published_at="2026-12-04T17:00:00+08:00", input="", plan_json=a.decode("utf-8"))
        self.second = replace(self.first, id=2, plan_json=b.decode("utf-8"))

    def latest_per_week(self, since=None):
        return [self.second]

    def previous(self, publication):
        return self.first if publication.id == 2 else None


def test_the_served_week_page_names_the_new_no_meeting_day_as_the_cause():
    _, _, a, b = documents()
    ledger = OneWeek(a["plan.json"], b["plan.json"])
    page = _with_bar(b["report.html"], ledger, ledger.second).decode("utf-8")
    assert "与第 1 次发布相比，1 项有变化" in page
    assert "A 冬季供暖保障专题会：12-08 09:00-10:00 一号会议室 → 12-07 09:00-10:00 一号会议室（12-08改为无会日，原时间不能再开）" in page
    [change] = compare(json.loads(a["plan.json"]), json.loads(b["plan.json"]))  # `scheduler diff` says so too
    assert change.reason == "12-08改为无会日，原时间不能再开"
