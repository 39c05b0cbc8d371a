"""减负统计: the figures of the report the office sends upward — requests held, combined and
refused, by unit, type and class, 计划内/计划外, quota use (只减不增), person-hours and trips
saved, and the change against the same period a year before with the target met or missed.
Pure: the ledger's request rows in, figures out."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from .quota import ALL, CITYWIDE, LARGE, QuotaSettings, classes_of

CLASSES = (ALL, CITYWIDE, LARGE)


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    cls: str
    now: int
    before: int
    target_percent: float

    @property
    def percent(self) -> float | None:
        return None if self.before == 0 else round(100 * (self.now - self.before) / self.before, 1)

    @property
    def allowed(self) -> int:
        return math.floor(self.before * (100 - self.target_percent) / 100 + 1e-9)

    @property
    def met(self) -> bool:
        return self.now <= self.allowed


@dataclass(frozen=True, slots=True, kw_only=True)
class Burden:
    start: date
    end: date  # exclusive
    compared: bool  # the ledger holds a week of the same period a year before
    requested: int
    held: int
    combined: int
    refused: int
    in_plan: int
    out_of_plan: int
    person_hours_saved: float
    trips_saved: int  # items held inside another's sitting: a sitting, and a trip for the chair and shared attendees, saved
    by_unit: dict[str, tuple[int, int]] = field(default_factory=dict)  # requested, held
    by_kind: dict[str, tuple[int, int]] = field(default_factory=dict)
    by_class: dict[str, int] = field(default_factory=dict)  # held
    changes: tuple[Change, ...] = ()
    quota: tuple[tuple[str, str, int, int], ...] = ()  # unit, class, held, cap (same period last year, lowered by the target)


def _classes(row: dict, settings: QuotaSettings) -> set[str]:
    citywide = None if row.get("citywide") is None else bool(row["citywide"])
    return classes_of(kind=row["kind"], title=row["title"], attendees=row.get("attendees"), citywide=citywide, settings=settings)


def burden(rows: list[dict], before_rows: list[dict], sittings: list[dict], *, start: date, end: date, compared: bool,
           target_percent: float = 0.0, large_attendees: int = 100) -> Burden:
    settings = QuotaSettings(large_attendees=large_attendees)
    held = [r for r in rows if r["scheduled"]]
    held_before = [r for r in before_rows if r["scheduled"]]
    by_unit_req, by_unit_held = Counter(r["organiser"] for r in rows), Counter(r["organiser"] for r in held)
    by_kind_req, by_kind_held = Counter(r["kind"] for r in rows), Counter(r["kind"] for r in held)
    classes_now = Counter(c for r in held for c in _classes(r, settings) if c in CLASSES)
    classes_before = Counter(c for r in held_before for c in _classes(r, settings) if c in CLASSES)
    changes = tuple(Change(cls=c, now=classes_now[c], before=classes_before[c], target_percent=target_percent) for c in CLASSES) if compared else ()
    quota = ()
    if compared:
        per_now = Counter((r["organiser"], c) for r in held for c in _classes(r, settings) if c in (CITYWIDE, LARGE))
        per_before = Counter((r["organiser"], c) for r in held_before for c in _classes(r, settings) if c in (CITYWIDE, LARGE))
        quota = tuple(
            (unit, cls, per_now[(unit, cls)], math.floor(per_before[(unit, cls)] * (100 - target_percent) / 100 + 1e-9))
            for unit, cls in sorted(set(per_now) | set(per_before))
        )
    order = lambda counter: dict(sorted(counter.items(), key=lambda x: (-x[1], x[0])))  # noqa: E731
    return Burden(
        start=start, end=end, compared=compared, requested=len(rows), held=len(held), combined=sum(r["combined"] for r in held),
        refused=len(rows) - len(held), in_plan=sum(r.get("annual") == "计划内" for r in rows), out_of_plan=sum(r.get("annual") == "计划外" for r in rows),
        person_hours_saved=round(sum(r["person_minutes_requested"] - r["person_minutes_planned"] for r in held) / 60, 1),
        trips_saved=sum(s["items"] - 1 for s in sittings),
        by_unit={u: (n, by_unit_held[u]) for u, n in order(by_unit_req).items()},
        by_kind={k: (n, by_kind_held[k]) for k, n in order(by_kind_req).items()},
        by_class={c: classes_now[c] for c in CLASSES}, changes=changes, quota=quota,
    )


def text(b: Burden) -> str:
    lines = [
        f"减负统计 {b.start}..{b.end - timedelta(days=1)}",
        f"  会议申请 {b.requested} 项：安排 {b.held} 项（套开 {b.combined} 项），未安排或退回 {b.refused} 项",
        f"  年度计划：计划内 {b.in_plan} 项，计划外 {b.out_of_plan} 项" + ("" if b.in_plan or b.out_of_plan else "（未导入年度计划）"),
        f"  节省 {b.person_hours_saved:g} 人·小时，少开 {b.trips_saved} 场（往返）",
        "  按类别（已安排）：" + "，".join(f"{c} {n}" for c, n in b.by_class.items()),
    ]
    if b.changes:
        lines.append("  同比（去年同期）：")
        for ch in b.changes:
            pct = "—" if ch.percent is None else f"{ch.percent:+.1f}%"
            goal = "只减不增" if not ch.target_percent else f"压减{ch.target_percent:g}%"
            lines.append(f"    {ch.cls} {ch.now}，去年同期 {ch.before}（{pct}），目标{goal}即不超过{ch.allowed}：{'达标' if ch.met else '未达标'}")
        lines.append("  总量控制（按单位）：")
        lines += [f"    {unit} {cls} {n}/{cap}" + ("（超出）" if n > cap else "") for unit, cls, n, cap in b.quota]
    else:
        lines.append("  同比：去年同期无台账记录，无法比较")
    lines.append("  按主办单位（申请/安排）：" + "；".join(f"{u} {r}/{h}" for u, (r, h) in b.by_unit.items()))
    lines.append("  按会议类型（申请/安排）：" + "；".join(f"{k} {r}/{h}" for k, (r, h) in b.by_kind.items()))
    return "\n".join(lines) + "\n"


def as_dict(b: Burden) -> dict:
    return {
        "start": b.start.isoformat(), "end": b.end.isoformat(), "requested": b.requested, "held": b.held, "combined": b.combined,
        "refused": b.refused, "in_plan": b.in_plan, "out_of_plan": b.out_of_plan, "person_hours_saved": b.person_hours_saved,
        "trips_saved": b.trips_saved, "by_unit": {u: list(v) for u, v in b.by_unit.items()}, "by_kind": {k: list(v) for k, v in b.by_kind.items()},
        "by_class": b.by_class,
        "changes": [{"class": c.cls, "now": c.now, "before": c.before, "percent": c.percent, "target_percent": c.target_percent,
                     "allowed": c.allowed, "met": c.met} for c in b.changes],
        "quota": [{"unit": u, "class": c, "held": n, "cap": cap} for u, c, n, cap in b.quota],
    }


def sheets(b: Burden) -> list[tuple[str, list[str], list[tuple]]]:
    """The 统计报表 workbook's sheets: (name, headers, rows)."""
    summary = [
        ("统计期间", f"{b.start}..{b.end - timedelta(days=1)}"), ("会议申请（项）", b.requested), ("安排（项）", b.held),
        ("套开（项）", b.combined), ("未安排或退回（项）", b.refused), ("计划内（项）", b.in_plan), ("计划外（项）", b.out_of_plan),
        ("节省人·小时", b.person_hours_saved), ("少开场次", b.trips_saved),
    ] + [(f"{c}（场）", n) for c, n in b.by_class.items()]
    out = [("汇总", ["指标", "数值"], summary)]
    out.append(("同比", ["类别", "本期", "去年同期", "变化%", "目标压减%", "上限", "是否达标"],
                [(c.cls, c.now, c.before, "" if c.percent is None else c.percent, c.target_percent, c.allowed, "达标" if c.met else "未达标") for c in b.changes]))
    out.append(("总量控制", ["单位", "类别", "本期", "上限"], [list(q) for q in b.quota]))
    out.append(("按单位", ["主办单位", "申请", "安排"], [(u, r, h) for u, (r, h) in b.by_unit.items()]))
    out.append(("按类型", ["会议类型", "申请", "安排"], [(k, r, h) for k, (r, h) in b.by_kind.items()]))
    return out
