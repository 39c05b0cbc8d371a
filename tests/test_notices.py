"""会议通知: one .docx per sitting, read back with python-docx."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner
from docx import Document

from scheduler.cli import cli
from scheduler.errors import PlanError
from scheduler.files import safe_name
from scheduler.notices import file_name, notices, unit_times
from tests.conftest import EXAMPLE, NOW


@pytest.fixture(scope="module")
def written(example_problem, example_plan):
    return notices(example_problem, example_plan, now=NOW)


def read(data: bytes):
    doc = Document(io.BytesIO(data))
    return [p.text for p in doc.paragraphs], [[c.text for c in row.cells] for row in doc.tables[0].rows]


def test_one_notice_per_sitting_under_notices(written, example_plan):
    assert sorted(written) == sorted(file_name(s) for s in example_plan.sittings)
    assert all(name.startswith("notices/") and name.endswith(".docx") and ".." not in name for name in written)


def test_every_notice_reads_back_with_its_parts(written, example_problem, example_plan):
    index = example_problem.request_index
    for s in example_plan.sittings:
        paragraphs, table = read(written[file_name(s)])
        text = "\n".join(paragraphs)
        first = index[s.items[0].request_id].title
        assert paragraphs[0 if "待审稿" not in paragraphs[0] else 1].startswith(f"关于召开{first}")
        if s.units:
            assert "、".join(s.units) + "：" in paragraphs
        room = example_problem.room_index[s.room].name
        assert f"{s.start.month}月{s.start.day}日" in text and room in text
        for item in s.items:  # the agenda, each item with its own start time
            assert f"{item.start.hour}:{item.start.minute:02d}—{item.end.hour}:{item.end.minute:02d}　{index[item.request_id].title}" in text
        for heading in ("会议时间和地点", "会议议程", "参会单位及到会、离会时间", "参会要求", "联系人"):
            assert heading in text
        assert paragraphs[-2] == "XX市委办公室　XX市政府办公室" and paragraphs[-1] == "2026年12月4日"
        assert table[0] == ["参会单位", "参加议题", "到会时间", "可离会时间"]
        assert sorted(row[0] for row in table[1:]) == sorted(s.units)


def test_each_unit_arrives_for_its_own_items_only(example_problem, example_plan, written):
    s = next(s for s in example_plan.sittings if len(s.items) > 1 and any(set(s.units) - set(i.units) for i in s.items))
    _, table = read(written[file_name(s)])
    rows = {row[0]: row for row in table[1:]}
    for unit, mine, arrive, leave in unit_times(s):
        own = [i for i in s.items if unit in i.units]
        assert (arrive, leave) == (own[0].start - __import__("datetime").timedelta(minutes=10), own[-1].end)
        assert rows[unit][2] == f"{arrive.hour}:{arrive.minute:02d}" and rows[unit][3] == f"{leave.hour}:{leave.minute:02d}"
    late_comer = max(unit_times(s), key=lambda u: u[2])
    assert late_comer[2] > s.start  # someone comes later than the sitting starts: the point of 套开


def test_pending_sittings_are_marked_as_drafts(written, example_problem, example_plan):
    for s in example_plan.sittings:
        pending = any(example_problem.request_index[i.request_id].approval == "待审" for i in s.items)
        paragraphs, _ = read(written[file_name(s)])
        assert ("待审稿" in paragraphs[0]) == pending


def test_one_sitting_by_id_or_by_request(example_problem, example_plan):
    s = next(s for s in example_plan.sittings if len(s.items) > 1)
    assert list(notices(example_problem, example_plan, now=NOW, sitting=s.id)) == [file_name(s)]
    assert list(notices(example_problem, example_plan, now=NOW, sitting=s.items[1].request_id)) == [file_name(s)]
    with pytest.raises(PlanError):
        notices(example_problem, example_plan, now=NOW, sitting="H999")


def test_the_same_plan_gives_the_same_bytes(example_problem, example_plan, written):
    s = example_plan.sittings[0]
    assert notices(example_problem, example_plan, now=NOW, sitting=s.id)[file_name(s)] == written[file_name(s)]


def test_file_names_never_leave_the_folder():
    from dataclasses import dataclass

    @dataclass
    class S:
        id: str

    for hostile in ("../../etc/passwd", "..", "a/b", "a\\b", "x\x00y", "长" * 100):
        name = file_name(S(hostile))
        assert name == f"notices/会议通知-{safe_name(hostile)}.docx"  # the one file-name rule, files.safe_name
        assert name.count("/") == 1 and ".." not in name and "\\" not in name and "\x00" not in name
    assert file_name(S("H1")) == "notices/会议通知-H1.docx"  # a plain id is kept as it is


def test_ids_that_differ_only_in_unsafe_characters_get_two_files(example_problem, example_plan):
    from dataclasses import replace

    first, second = example_plan.sittings[:2]
    plan = replace(example_plan, sittings=(replace(first, id="H/1"), replace(second, id="H_1")))
    written = notices(example_problem, plan, now=NOW)
    assert len(written) == 2  # before, both became notices/会议通知-H_1.docx and one overwrote the other
    assert set(written) == {file_name(s) for s in plan.sittings}


def test_the_notices_command_writes_one_or_all(tmp_path, example_problem, example_plan):
    from scheduler.report import plan_json

    plan_dir = tmp_path / "plan"
    plan_dir.mkdir()
    (plan_dir / "plan.json").write_text(plan_json(example_problem, example_plan, now=NOW, feed_paths=[], input=str(EXAMPLE)), encoding="utf-8")
    s = example_plan.sittings[0]
    result = CliRunner().invoke(cli, ["notices", str(plan_dir), "--sitting", s.id, "--now", NOW.isoformat()])
    assert result.exit_code == 0, result.output
    assert [p.name for p in (plan_dir / "notices").iterdir()] == [file_name(s).split("/")[1]]
    assert "已写入会议通知 1 份" in result.output
    result = CliRunner().invoke(cli, ["notices", str(plan_dir), "-o", str(tmp_path / "all"), "--now", NOW.isoformat()])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "all" / "notices").glob("*.docx"))) == len(example_plan.sittings)
    result = CliRunner().invoke(cli, ["notices", str(plan_dir), "--sitting", "H999"])
    assert result.exit_code == 2 and "安排中没有会议 H999" in result.stderr
