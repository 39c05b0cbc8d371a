"""双台账: the units' record of meetings held against the published ledger — every kind of
discrepancy, traceable to a record row and a publication; bad records."""

from __future__ import annotations

import json
from datetime import date, datetime, time

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from scheduler.cli import cli
from scheduler.errors import InputErrors
from scheduler.ledger import Ledger
from scheduler.reconcile import HELD_UNPLANNED, LONGER, MORE_ATTENDEES, PLANNED_NOT_HELD, Record, read_records, reconcile
from tests.conftest import NOW

HEADER = "单位,会议名称,日期,开始时间,结束时间,参会人数,备注\n"


def held(rid, title, day, minutes=60, attendees=20, organiser="市财政局", publication=3, week="2026-12-07"):
    return {"publication_id": publication, "week": week, "id": rid, "title": title, "organiser": organiser, "kind": "专题会", "agenda": "",
            "scheduled": 1, "day": day, "minutes_planned": minutes, "attendees": attendees}


LEDGER_ROWS = [
    held("H04", "年终财政收支形势分析会", "2026-12-08", minutes=90, attendees=15),
    held("H05", "政府债务风险化解专题会", "2026-12-09", minutes=90, attendees=12),
    held("H03", "重点项目资金拼盘调度会", "2026-12-10", minutes=60, attendees=20),
    held("H30", "工业经济稳增长调度会", "2026-12-10", organiser="市工业和信息化局"),  # a unit that sent no record
]
RECORDS = [
    Record(row=2, unit="市财政局", title="年终财政收支形势分析会", day=date(2026, 12, 8), start=time(9), end=time(11), attendees=15),
    Record(row=3, unit="市财政局", title="政府债务风险化解专题会", day=date(2026, 12, 9), start=time(9), end=time(10, 30), attendees=18),
    Record(row=4, unit="市财政局", title="财政系统作风建设座谈会", day=date(2026, 12, 10), start=time(15), end=time(16), attendees=30),
]


def test_every_kind_of_discrepancy_names_its_row_and_publication():
    result = reconcile(RECORDS, LEDGER_ROWS, source="台账.csv", start=date(2026, 12, 7), end=date(2026, 12, 11))
    assert (result.records, result.planned, result.matched) == (3, 3, 2)
    got = [(d.kind, d.row, d.publication, d.request, d.detail) for d in result.discrepancies]
    assert got == [
        (HELD_UNPLANNED, 4, None, None, "已发布的周计划中没有这次会议"),
        (PLANNED_NOT_HELD, None, 3, "H03", "单位台账中没有这次会议"),
        (LONGER, 2, 3, "H04", "计划90分钟，实际120分钟"),
        (MORE_ATTENDEES, 3, 3, "H05", "计划12人，实际18人"),
    ]


def test_a_record_matching_the_plan_exactly_is_clean():
    record = Record(row=2, unit="市财政局", title="年终财政收支形势分析会", day=date(2026, 12, 8), start=time(9), end=time(10, 30), attendees=15)
    result = reconcile([record], LEDGER_ROWS[:1], source="x.csv", start=date(2026, 12, 8), end=date(2026, 12, 8))
    assert result.discrepancies == () and result.matched == 1


def test_held_on_another_day_is_both_unplanned_and_not_held():
    moved = Record(row=2, unit="市财政局", title="年终财政收支形势分析会", day=date(2026, 12, 9))
    result = reconcile([moved], LEDGER_ROWS[:1], source="x.csv", start=date(2026, 12, 7), end=date(2026, 12, 11))
    assert [d.kind for d in result.discrepancies] == [HELD_UNPLANNED, PLANNED_NOT_HELD]


def test_bad_records_are_located(tmp_path):
    path = tmp_path / "台账.csv"
    path.write_text(HEADER + "市财政局,会议甲,2026-13-40,9:00,10:00,15,\n,会议乙,2026-12-08,10:00,9:00,十五,\n", encoding="utf-8")
    with pytest.raises(InputErrors) as caught:
        read_records(path, near=date(2026, 12, 7))
    lines = caught.value.lines()
    assert lines[0].startswith('台账.csv，工作表「会议台账」，第2行，「日期」列：「2026-13-40」')
    assert lines[1].startswith('台账.csv，工作表「会议台账」，第3行，「单位」列')
    assert lines[2] == '台账.csv，工作表「会议台账」，第3行，「结束时间」列：「9:00」不晚于开始时间（10:00）'
    assert lines[3].startswith('台账.csv，工作表「会议台账」，第3行，「参会人数」列：「十五」')


def _ledger(path):
    with Ledger(path) as ledger:
        rows = [{k: v for k, v in r.items() if k != "publication_id"} | {"combined": 0, "urgent": 0, "late": 0, "no_meeting_day": 0,
                 "person_minutes_requested": 0, "person_minutes_planned": 0, "minutes_requested": r["minutes_planned"]} for r in LEDGER_ROWS]
        ledger.record(week=date(2026, 12, 7), published_at=NOW, input="week", plan_json="{}", feeds={}, events=[], requests=rows, sittings=[])


def test_ledger_reconcile_prints_and_writes_the_report(tmp_path):
    ledger = tmp_path / "ledger.sqlite"
    _ledger(ledger)
    record = tmp_path / "台账.csv"
    record.write_text(HEADER + "市财政局,年终财政收支形势分析会,2026-12-08,9:00,11:00,15,\n市财政局,政府债务风险化解专题会,12月9日,9点,上午10:30,18人,\n"
                      "市财政局,财政系统作风建设座谈会,2026/12/10,下午3点,16:00,30,\n", encoding="utf-8")
    out = tmp_path / "report" / "双台账.xlsx"
    result = CliRunner().invoke(cli, ["ledger", "reconcile", str(record), "--ledger", str(ledger), "--xlsx", str(out), "--now", NOW.isoformat()])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "双台账核对 2026-12-08..2026-12-10：单位台账 3 条，已发布计划中已安排 3 项，相符 2 项，差异 4 条",
        "  未列入计划而召开（1）：",
        "    2026-12-10 市财政局「财政系统作风建设座谈会」已发布的周计划中没有这次会议（台账.csv第4行）",
        "  计划召开但未召开（1）：",
        "    2026-12-10 市财政局「重点项目资金拼盘调度会」单位台账中没有这次会议（第1次发布 H03）",
        "  超出计划时长（1）：",
        "    2026-12-08 市财政局「年终财政收支形势分析会」计划90分钟，实际120分钟（台账.csv第2行；第1次发布 H04）",
        "  超出计划规模（1）：",
        "    2026-12-09 市财政局「政府债务风险化解专题会」计划12人，实际18人（台账.csv第3行；第1次发布 H05）",
        f"已写入 {out}",
    ]
    sheet = load_workbook(out).active
    assert [c.value for c in sheet[1]] == ["差异类型", "单位", "会议名称", "日期", "说明", "台账行", "发布序号", "会议编号", "申请来源"]
    assert sheet.max_row == 5 and sheet["A2"].value == "未列入计划而召开" and sheet["F2"].value == 4
    data = json.loads(CliRunner().invoke(cli, ["ledger", "reconcile", str(record), "--ledger", str(ledger), "--json", "--to", "2026-12-09"]).output)
    assert [d["kind"] for d in data["discrepancies"]] == ["超出计划时长", "超出计划规模"]


def test_ledger_reconcile_bad_input_exits_2_and_writes_nothing(tmp_path):
    ledger = tmp_path / "ledger.sqlite"
    _ledger(ledger)
    record = tmp_path / "台账.csv"
    record.write_text(HEADER + "市财政局,会议,明天,9:00,10:00,15,\n", encoding="utf-8")
    out = tmp_path / "report.xlsx"
    result = CliRunner().invoke(cli, ["ledger", "reconcile", str(record), "--ledger", str(ledger), "--xlsx", str(out)])
    assert result.exit_code == 2 and result.stderr.splitlines()[0].startswith('台账.csv，工作表「会议台账」，第2行，「日期」列：「明天」')
    assert not out.exists()
    missing = CliRunner().invoke(cli, ["ledger", "reconcile", str(record), "--ledger", str(tmp_path / "none.sqlite")])
    assert missing.exit_code == 2 and "还没有台账" in missing.stderr and not (tmp_path / "none.sqlite").exists()


def test_reconcile_names_each_published_requests_input_row(tmp_path, example_problem, example_plan):
    """On a ledger built by `publish`, every finding about a published request says where the
    request came from (file, 工作表, 第N行), as input errors say it."""
    from scheduler.cli import _write_plan
    from tests.conftest import EXAMPLE

    ledger, planned = tmp_path / "ledger.sqlite", tmp_path / "out"
    _write_plan(example_problem, example_plan, planned, now=NOW, folder=EXAMPLE)
    published = CliRunner().invoke(cli, ["publish", str(planned), "--ledger", str(ledger), "--to", str(tmp_path / "pub"), "--now", NOW.isoformat()])
    assert published.exit_code == 0, published.output
    with Ledger(ledger) as book:
        held = {r["id"]: r for r in book.held_rows(date(2026, 12, 7), date(2026, 12, 14))}
    h11, h13 = held["H11"], held["H13"]
    lines = (EXAMPLE / "会议申请.csv").read_text(encoding="utf-8-sig").splitlines()
    row = {rid: next(n for n, line in enumerate(lines, 1) if line.startswith(f"{rid},")) for rid in ("H11", "H13")}
    record = tmp_path / "台账.csv"  # H11 held with more people than planned, H13 not held
    record.write_text(HEADER + f"市住房城乡建设局,{h11['title']},{h11['day']},,,{h11['attendees'] + 5},\n", encoding="utf-8")
    common = [str(record), "--ledger", str(ledger), "--from", "2026-12-07", "--to", "2026-12-11"]
    out = CliRunner().invoke(cli, ["ledger", "reconcile", *common, "--xlsx", str(tmp_path / "r.xlsx"), "--now", NOW.isoformat()]).output
    assert (f"{h13['day']} 市住房城乡建设局「{h13['title']}」单位台账中没有这次会议（第1次发布 H13；申请来源：会议申请.csv，第{row['H13']}行）") in out
    assert (f"计划{h11['attendees']}人，实际{h11['attendees'] + 5}人（台账.csv第2行；第1次发布 H11；申请来源：会议申请.csv，第{row['H11']}行）") in out
    sheet = load_workbook(tmp_path / "r.xlsx").active
    assert {(r[7], r[8]) for r in sheet.iter_rows(min_row=2, values_only=True)} == {("H11", f"会议申请.csv，第{row['H11']}行"), ("H13", f"会议申请.csv，第{row['H13']}行")}
    data = json.loads(CliRunner().invoke(cli, ["ledger", "reconcile", *common, "--json"]).output)
    assert {d["request"]: d["request_source"] for d in data["discrepancies"]} == {
        "H11": {"source": "会议申请.csv", "sheet": None, "row": row["H11"]}, "H13": {"source": "会议申请.csv", "sheet": None, "row": row["H13"]}}
