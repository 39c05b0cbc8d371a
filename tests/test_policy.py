"""The negative list (负面清单): the shipped policy file, each of its rules flagged and clean,
hard enforcement, and bad policy files."""

from __future__ import annotations

import json

import shutil
from dataclasses import replace
from datetime import date

import pytest
from click.testing import CliRunner

from scheduler.cli import cli
from scheduler.control import Records, for_solver, review_records
from scheduler.errors import InputErrors
from scheduler.policy import HARD, PARAMS, Context, hits, load_policy, parse_policy, plan_hits, speech_minutes, week_of_month
from scheduler.quota import CITYWIDE, Counted
from scheduler.rules import Finding
from tests.conftest import EXAMPLE, NOW, WEEK, at, make_plan, make_problem, make_request, make_sitting

SHIPPED = load_policy(None)


def hit_ids(problem, rule, context=Context(), policy=SHIPPED):
    return [h.request_id for h in hits(problem, policy, context) if h.rule == rule]


def with_enforce(name: str, enforce: str):
    return replace(SHIPPED, rules=tuple(replace(r, enforce=enforce) if r.name == name else r for r in SHIPPED.rules))


def test_the_shipped_policy_has_every_check_with_text_and_source():
    assert [r.name for r in SHIPPED.rules] == list(PARAMS)
    assert all(r.text and r.source and r.enforce == "flag" for r in SHIPPED.rules)


def test_policy_max_minutes():
    problem = make_problem([make_request("A", kind="专题会", minutes=120), make_request("B", kind="专题会", minutes=90)])
    assert hit_ids(problem, "policy_max_minutes") == ["A"]


def test_policy_max_attendees():
    problem = make_problem([make_request("A", kind="专题会", attendees=31), make_request("B", kind="专题会", attendees=30)])
    assert hit_ids(problem, "policy_max_attendees") == ["A"]


def test_citywide_once_a_year():
    requests = [make_request("A", organiser="市应急管理局"), make_request("B", organiser="市应急管理局"), make_request("C", organiser="市财政局")]
    classes = {rid: frozenset({CITYWIDE}) for rid in "ABC"}
    problem = make_problem(requests)
    assert hit_ids(problem, "citywide_once_a_year", Context(classes=classes)) == ["B"]
    held = (Counted(unit="市财政局", day=date(2026, 3, 1), classes=frozenset({CITYWIDE})),)
    assert hit_ids(problem, "citywide_once_a_year", Context(classes=classes, held=held)) == ["B", "C"]
    last_year = (Counted(unit="市财政局", day=date(2025, 3, 1), classes=frozenset({CITYWIDE})),)
    assert hit_ids(problem, "citywide_once_a_year", Context(classes=classes, held=last_year)) == ["B"]


def test_no_meeting_weeks():
    requests = [make_request("A"), make_request("B", urgent=True, urgent_reason="寒潮"), make_request("C", fixed_start=at(0, "09:00"))]
    problem = make_problem(requests)
    assert week_of_month(WEEK) == 1 and week_of_month(date(2026, 12, 14)) == 2
    assert hit_ids(problem, "no_meeting_weeks") == []
    assert hit_ids(replace(problem, week=date(2026, 12, 14)), "no_meeting_weeks") == ["A"]


def test_no_meeting_weekdays():
    wednesday_only = make_request("A", earliest=at(2, "00:00").date(), latest=at(2, "00:00").date())
    any_day = make_request("B")
    problem = make_problem([wednesday_only, any_day], days=3)
    assert hit_ids(problem, "no_meeting_weekdays") == ["A"]
    plan = make_plan(make_sitting(any_day, at(2, "09:00")))
    assert [h.request_id for h in plan_hits(problem, plan, SHIPPED)] == ["B"]
    assert plan_hits(problem, make_plan(make_sitting(any_day, at(1, "09:00"))), SHIPPED) == []


def test_speech_max_minutes():
    requests = [make_request("A", agenda="市长讲话90分钟"), make_request("B", note="主报告1.5小时"), make_request("C", agenda="讲话40分钟"), make_request("D")]
    assert [speech_minutes(r) for r in requests] == [90, 90, 40, None]
    assert hit_ids(make_problem(requests), "speech_max_minutes") == ["A", "B"]


def test_attendees_per_unit():
    units = ("市财政局", "市税务局")
    requests = [make_request("A", kind="部署会", units=units, attendees=30), make_request("B", kind="部署会", units=units, attendees=21),
                make_request("C", kind="常务会", units=units, attendees=30), make_request("D", kind="部署会", units=units, attendees=30, fixed_start=at(0, "09:00"))]
    assert hit_ids(make_problem(requests), "attendees_per_unit") == ["A"]  # not 常务会, nor a meeting a higher level fixed
    [hit] = [h for h in hits(make_problem(requests), SHIPPED, Context()) if h.rule == "attendees_per_unit"]
    assert hit.detail == "参会30人，2个参会单位每单位至多10人，连同出席领导至多21人"  # a cap, not a count that contradicts 30


def test_county_meetings_by_video():
    units = ("市农业农村局", "各县（市、区）政府")
    requests = [
        make_request("A", units=units, attendees=150), make_request("B", units=units, attendees=150, format="视频"),
        make_request("C", units=("市农业农村局",), attendees=150), make_request("D", units=units, attendees=40),
    ]
    assert hit_ids(make_problem(requests), "county_meetings_by_video") == ["A"]


def test_repeated_meeting_joins_the_catalogue():
    problem = make_problem([make_request("A"), make_request("B")])
    earlier = (Finding("repeated_meeting", "A", "A「会议A」与2026-11-30当周已开的X1「会议A」可能是同一事项反复开会"),)
    [hit] = [h for h in hits(problem, SHIPPED, Context(repeated=earlier)) if h.rule == "repeated_meeting"]
    assert (hit.request_id, hit.detail) == ("A", "与2026-11-30当周已开的X1「会议A」可能是同一事项反复开会")
    assert hit_ids(problem, "repeated_meeting") == []


def test_an_off_rule_is_not_run():
    problem = make_problem([make_request("A", kind="专题会", minutes=120)])
    assert hit_ids(problem, "policy_max_minutes", policy=with_enforce("policy_max_minutes", "off")) == []


def test_findings_cite_the_clause():
    problem = make_problem([make_request("A", kind="专题会", attendees=31)])
    result = review_records(problem, Records(), SHIPPED)
    [finding] = [f for f in result.findings if f.rule == "policy_max_attendees"]
    assert finding.message == "A「会议A」参会31人，超过专题会上限30人，违反「会议规模不得超过规定人数」（会议活动负面清单（示例）第2条）"
    assert result.excluded == ()


def test_a_hard_rule_keeps_the_request_out_with_the_clause_as_reason():
    problem = make_problem([make_request("A", kind="专题会", attendees=31), make_request("B", kind="专题会", attendees=20)])
    result = review_records(problem, Records(), with_enforce("policy_max_attendees", HARD))
    [outcome] = result.excluded
    assert (outcome.request_id, outcome.codes, outcome.rules) == ("A", ("rejected",), ("policy_max_attendees",))
    assert outcome.reasons == ("参会31人，超过专题会上限30人，违反「会议规模不得超过规定人数」（会议活动负面清单（示例）第2条），不予安排。",)
    assert [r.id for r in for_solver(problem, result).requests] == ["B"]


def test_hard_lengths_and_no_meeting_days_change_what_the_solver_sees():
    problem = make_problem([make_request("A", kind="调度会", minutes=90)], days=3)
    policy = with_enforce("no_meeting_weekdays", HARD)
    policy = replace(policy, rules=tuple(replace(r, enforce=HARD) if r.name == "policy_max_minutes" else r for r in policy.rules))
    result = review_records(problem, Records(), policy)
    assert result.excluded == () and result.no_meeting_dates == (at(2, "00:00").date(),)
    solvable = for_solver(problem, result)
    assert [d.no_meeting for d in solvable.days] == [False, False, True]
    assert solvable.settings.caps("调度会").max_minutes == 60 and solvable.settings.caps("常务会").max_minutes == 150
    assert problem.settings.caps("调度会").max_minutes == 60 and problem.settings.caps("常务会").max_minutes == 180


@pytest.mark.parametrize("text, line", [
    ('[[rules]]\nname = "nope"\ntext = "x"\nsource = "y"\n', "p.toml：第1条规则：name = 'nope' 不是已知的检查；可用：" + "、".join(PARAMS)),
    ('[[rules]]\nname = "speech_max_minutes"\nenforce = "soft"\ntext = "x"\nsource = "y"\nminutes = 60\n', "p.toml：第1条规则（speech_max_minutes）：enforce = 'soft' 应为 \"hard\"、\"flag\" 或 \"off\""),
    ('[[rules]]\nname = "speech_max_minutes"\ntext = "x"\nminutes = 60\n', "p.toml：第1条规则（speech_max_minutes）：缺少 source（规则的出处条款）"),
    ('[[rules]]\nname = "speech_max_minutes"\ntext = "x"\nsource = "y"\n', "p.toml：第1条规则（speech_max_minutes）：缺少参数 minutes"),
    ('[[rules]]\nname = "no_meeting_weeks"\ntext = "x"\nsource = "y"\nweeks = [6]\n', "p.toml：第1条规则（no_meeting_weeks）：weeks = [6] 应为 1 至 5 的列表（每月第几周，如 [2]）"),
    ('[[rules]]\nname = "no_meeting_weekdays"\ntext = "x"\nsource = "y"\ndays = ["周八"]\nextra = 1\n', "p.toml：第1条规则（no_meeting_weekdays）：extra 是未知的参数；此检查的参数：days"),
    ('rules = 3\n', "p.toml：应由 [[rules]] 表组成（每条规则一个 [[rules]]）"),
    ('[[rules]\n', None),
])
def test_bad_policy_files_are_reported_by_entry(text, line):
    with pytest.raises(InputErrors) as caught:
        parse_policy(text, "p.toml")
    if line is None:
        assert caught.value.lines()[0].startswith("p.toml：不是有效的 TOML")
    else:
        assert caught.value.lines() == [line]


def test_week_toml_names_a_policy_file(tmp_path):
    week = tmp_path / "week"
    shutil.copytree(EXAMPLE, week)
    toml = week / "week.toml"
    toml.write_text('policy = "负面清单.toml"\n' + toml.read_text(encoding="utf-8"), encoding="utf-8")
    (week / "负面清单.toml").write_text(
        '[[rules]]\nname = "policy_max_attendees"\nenforce = "hard"\ntext = "座谈会不超过20人"\nsource = "本市负面清单第3条"\nlimits = { "座谈会" = 20 }\n',
        encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(week), "--ledger", str(tmp_path / "none.sqlite"), "--now", NOW.isoformat()])
    assert result.exit_code == 0, result.output
    assert "H23「职业教育产教融合座谈会」参会25人，超过座谈会上限20人，违反「座谈会不超过20人」（本市负面清单第3条）" in result.output
    as_json = CliRunner().invoke(cli, ["check", str(week), "--ledger", str(tmp_path / "none.sqlite"), "--now", NOW.isoformat(), "--json"])
    rules = {f["rule"] for f in json.loads(as_json.output)["findings"]}
    assert "policy_max_attendees" in rules
    assert "speech_max_minutes" not in rules and "policy_max_minutes" not in rules  # only the named file's rules
    (week / "负面清单.toml").write_text('[[rules]]\nname = "policy_max_attendees"\n', encoding="utf-8")
    bad = CliRunner().invoke(cli, ["check", str(week), "--ledger", str(tmp_path / "none.sqlite"), "--now", NOW.isoformat()])
    assert bad.exit_code == 2 and bad.stderr.splitlines()[0] == "负面清单.toml：第1条规则（policy_max_attendees）：缺少 text（规则的条文）"
