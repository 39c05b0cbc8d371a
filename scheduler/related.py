"""Which requests may share a sitting (套开), why, and the candidate sittings the model chooses
from.

Two requests are *related* when both are mergeable, they have the same chair, neither has a
fixed time, they have a half-day in common, and they are linked: named in 拟与何会套开, sharing
a tag, titles and agendas alike (character-bigram Dice similarity, which needs no Chinese word
segmenter), or overlapping units. A candidate sitting is a connected set of related requests
(at most `max_items_per_sitting`, within `max_sitting_minutes`), items in a fixed order, back to
back; every item after the first is shorter by the opening overhead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import combinations

from .domain import MeetingRequest, Problem, RETURNED
from .timegrid import request_spans

MAX_CANDIDATES_PER_GROUP = 60


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    key: str
    request_ids: tuple[str, ...]
    minutes: tuple[int, ...]  # each item's planned length
    shortened: bool = False  # items at their minimum length (开短会), penalised

    @property
    def offsets(self) -> tuple[int, ...]:
        out, at = [], 0
        for m in self.minutes:
            out.append(at)
            at += m
        return tuple(out)

    @property
    def length(self) -> int:
        return sum(self.minutes)


def bigrams(text: str) -> set[str]:
    chars = re.sub(r"[\W_]+", "", text)
    return {chars[i : i + 2] for i in range(len(chars) - 1)}


# Words every meeting title has; they say nothing about the matter.
STOP_BIGRAMS = bigrams("会议工作专题推进调度部署协调汇报座谈全市我市有关")


def similarity(a: MeetingRequest, b: MeetingRequest) -> float:
    """Dice coefficient of the character bigrams of title and agenda."""
    return text_similarity(a.title + a.agenda, b.title + b.agenda)


def text_similarity(a: str, b: str) -> float:
    x = bigrams(a) - STOP_BIGRAMS
    y = bigrams(b) - STOP_BIGRAMS
    return 2 * len(x & y) / (len(x) + len(y)) if x and y else 0.0


def planned_minutes(problem: Problem, request: MeetingRequest) -> int:
    """The requested length, capped at the meeting type's maximum (a hard rule)."""
    cap = problem.settings.caps(request.kind).max_minutes
    return min(request.minutes, cap) if cap else request.minutes


def minimum_minutes(problem: Problem, request: MeetingRequest) -> int:
    caps = problem.settings.caps(request.kind)
    floor = request.min_minutes or caps.min_minutes or request.minutes
    return min(floor, planned_minutes(problem, request))


def relation(problem: Problem, a: MeetingRequest, b: MeetingRequest, spans=None) -> tuple[str, ...]:
    """Why a and b may be combined (Chinese, for the explanation), or () when they may not."""
    if not (a.mergeable and b.mergeable) or a.chair != b.chair or a.fixed_start or b.fixed_start:
        return ()
    if RETURNED in (a.approval, b.approval):
        return ()
    sa = spans[a.id] if spans else request_spans(problem, a)
    sb = spans[b.id] if spans else request_spans(problem, b)
    if not set(sa) & set(sb):
        return ()
    reasons = []
    if b.id in a.merge_with or a.id in b.merge_with:
        reasons.append("主办单位申请套开")
    shared = sorted(set(a.tags) & set(b.tags))
    if shared:
        reasons.append(f"主题标签相同（{'、'.join(shared)}）")
    score = similarity(a, b)
    if score >= problem.settings.similarity_threshold:
        reasons.append(f"会议名称和议题相近（相似度{score:.2f}）")
    units = sorted(set(a.units) & set(b.units))
    if units:
        reasons.append(f"参会单位重叠（{'、'.join(units[:3])}{'等' if len(units) > 3 else ''}）")
    return tuple(reasons)


def relations(problem: Problem) -> dict[tuple[str, str], tuple[str, ...]]:
    """Every related pair (ids in sorted order) with its reasons."""
    spans = {r.id: request_spans(problem, r) for r in problem.requests}
    by_chair: dict[str, list[MeetingRequest]] = {}
    for request in problem.requests:
        by_chair.setdefault(request.chair, []).append(request)
    out = {}
    for group in by_chair.values():
        for a, b in combinations(sorted(group, key=lambda r: r.id), 2):
            reasons = relation(problem, a, b, spans)
            if reasons:
                out[(a.id, b.id)] = reasons
    return out


def _connected_subsets(nodes: list[str], edges: set[tuple[str, str]], limit_size: int, limit_count: int):
    """Connected subsets of size >= 2, smallest first, at most limit_count of them."""
    neighbours = {n: set() for n in nodes}
    for a, b in edges:
        neighbours[a].add(b)
        neighbours[b].add(a)
    seen: set[frozenset] = set()
    frontier = [frozenset(e) for e in sorted(edges)]
    out = []
    while frontier and len(out) < limit_count:
        next_frontier = []
        for subset in frontier:
            if subset in seen:
                continue
            seen.add(subset)
            out.append(subset)
            if len(out) >= limit_count:
                break
            if len(subset) < limit_size:
                for n in sorted(set().union(*(neighbours[x] for x in subset)) - subset):
                    next_frontier.append(subset | {n})
        frontier = next_frontier
    return out


def candidates(problem: Problem, pairs: dict | None = None, keep: tuple[tuple[str, ...], ...] = ()) -> tuple[Candidate, ...]:
    """Every sitting the model may choose: each request alone (and shortened), related sets,
    and the groupings in `keep` (a published plan's sittings, so a re-plan can keep them)."""
    settings = problem.settings
    index = problem.request_index
    pairs = relations(problem) if pairs is None else pairs
    out: list[Candidate] = []

    def add(ids: tuple[str, ...], shortened: bool) -> None:
        minutes = []
        for n, rid in enumerate(ids):
            request = index[rid]
            full = minimum_minutes(problem, request) if shortened else planned_minutes(problem, request)
            if n > 0:
                full = max(full - settings.opening_overhead_minutes, settings.grain_minutes)
            minutes.append(full)
        if len(ids) > 1 and (sum(minutes) > settings.max_sitting_minutes or len(ids) > settings.max_items_per_sitting):
            return
        out.append(Candidate(key="+".join(ids) + ("~min" if shortened else ""), request_ids=ids, minutes=tuple(minutes), shortened=shortened))

    for request in problem.requests:
        if request.approval == RETURNED:
            continue
        add((request.id,), False)
        if minimum_minutes(problem, request) < planned_minutes(problem, request):
            add((request.id,), True)
    # Connected components of the relation graph, then their connected subsets.
    parent = {r.id: r.id for r in problem.requests}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[find(a)] = find(b)
    components: dict[str, list[str]] = {find(a): [] for a, _ in pairs}
    for rid in parent:
        if find(rid) in components:
            components[find(rid)].append(rid)
    seen = {c.request_ids for c in out}
    for ids in keep:
        if ids not in seen and all(rid in index and index[rid].approval != RETURNED for rid in ids):
            add(ids, False)
            seen.add(ids)
    for root in sorted(components):
        nodes = sorted(components[root])
        edges = {p for p in pairs if p[0] in nodes}
        for subset in _connected_subsets(nodes, edges, settings.max_items_per_sitting, MAX_CANDIDATES_PER_GROUP):
            ids = tuple(sorted(subset, key=lambda rid: _item_order(index[rid])))
            if ids not in seen:
                add(ids, False)
                seen.add(ids)
    return tuple(out)


def _item_order(request: MeetingRequest):
    """Items run urgent first, then by request id."""
    return (not request.urgent, request.id)
