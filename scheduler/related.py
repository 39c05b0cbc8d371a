"""Which requests may share a sitting (套开), how strongly they are related, and the candidate
sittings the model chooses from.

Two requests are *related* when both are mergeable, they have the same chair, neither has a
fixed time, neither is forbidden to sit with the other (不与何会套开, week.toml forbid_merge),
they have a half-day in common, and their *matter* links them: named in 拟与何会套开, a shared
tag, or titles and agendas alike. Likeness is the cosine of TF-IDF word vectors over the week's
requests (words from jieba, which ships its dictionary in the wheel; meeting-type words and
empty office words removed). Shared attendees never link two requests on their own: they add a
little to a link's strength (a unit that attends a large share of the week's requests, such as
the finance bureau, adds nothing) and they are what fewer attendance trips rewards.

A candidate sitting is a connected set of related requests (at most `max_items_per_sitting`,
within `max_sitting_minutes`), items in a fixed order, back to back; every item after the first
is shorter by the opening overhead.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from dataclasses import dataclass
from itertools import combinations

import jieba

from .domain import MeetingRequest, Problem, RETURNED
from .timegrid import request_spans

jieba.setLogLevel(logging.WARNING)

MAX_CANDIDATES_PER_GROUP = 60
UBIQUITOUS_SHARE = 0.2  # a unit in at least this share of the week's requests links nothing
MERGE_WITH_SCORE, TAG_SCORE, UNIT_BONUS = 1.0, 0.8, 0.1

# Words every meeting title has; they say nothing about the matter.
STOP_WORDS = frozenset(
    "会议 会 工作 专题 推进 调度 部署 协调 汇报 座谈 全市 我市 有关 研究 通报 情况 相关 进一步 加强 做好 开展 "
    "落实 召开 关于 市委 市政府 全面 工作会 专题会 推进会 调度会 部署会 协调会 汇报会 座谈会 培训会 联席会议 常务会 "
    "电视电话会议 视频会议 年度 本年 今年 一是 二是 三是".split()
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    key: str
    request_ids: tuple[str, ...]
    minutes: tuple[int, ...]  # each item's planned length
    shortened: bool = False  # items at their minimum length (开短会), penalised
    strength: int = 0  # sum of the relatedness scores (x100) of its pairs of items

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


@dataclass(frozen=True, slots=True)
class Relation:
    """Why two requests may be combined: a score (the strongest matter link, plus a little for
    shared attendees) and the reasons, strongest first (Chinese, for the explanation)."""

    score: float
    reasons: tuple[str, ...]

    @property
    def percent(self) -> int:
        return round(self.score * 100)


def _tokenizer() -> jieba.Tokenizer:
    """jieba's default tokenizer, its prefix dictionary built in memory.

    Left to itself, jieba's first cut (Tokenizer.initialize) reads `jieba.cache` from the system
    temp folder (tempfile.gettempdir(), or Tokenizer.tmp_dir) and, when it is missing, writes it
    there: a file outside the folder the user named, and one it would unmarshal from a folder
    anyone can write. Building the prefix dictionary here from the dictionary in the wheel
    (gen_pfdict over get_dict_file) and marking the tokenizer initialised skips both; it costs
    what jieba's first run costs anyway, once per process."""
    tokenizer = jieba.dt
    with tokenizer.lock:
        if not tokenizer.initialized:
            tokenizer.FREQ, tokenizer.total = tokenizer.gen_pfdict(tokenizer.get_dict_file())
            tokenizer.initialized = True
    return tokenizer


def words(text: str) -> list[str]:
    """The matter words of a text: jieba's words of two or more characters, no stop words."""
    return [w for w in _tokenizer().lcut(text) if len(w) >= 2 and w not in STOP_WORDS and not re.fullmatch(r"[\W\d_]+", w)]


def _matter(r: MeetingRequest) -> str:
    return f"{r.title} {r.agenda}"


def text_similarity(a: str, b: str) -> float:
    """Dice coefficient of two texts' matter words (for the ledger's repeated-meeting check)."""
    x, y = set(words(a)), set(words(b))
    return 2 * len(x & y) / (len(x) + len(y)) if x and y else 0.0


class Vocabulary:
    """TF-IDF over the week's requests: rare words weigh more than words every request has."""

    def __init__(self, requests) -> None:
        self.bags = {r.id: Counter(words(_matter(r))) for r in requests}
        n = len(self.bags)
        df = Counter(w for bag in self.bags.values() for w in bag)
        self.idf = {w: math.log((n + 1) / (c + 1)) + 1 for w, c in df.items()}
        self.vectors = {}
        for rid, bag in self.bags.items():
            vec = {w: c * self.idf[w] for w, c in bag.items()}
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            self.vectors[rid] = {w: v / norm for w, v in vec.items()}

    def cosine(self, a: str, b: str) -> float:
        x, y = self.vectors[a], self.vectors[b]
        if len(y) < len(x):
            x, y = y, x
        return sum(v * y.get(w, 0.0) for w, v in x.items())

    def shared_words(self, a: str, b: str, top: int = 3) -> list[str]:
        x, y = self.vectors[a], self.vectors[b]
        return sorted(set(x) & set(y), key=lambda w: (-x[w] * y[w], w))[:top]


def ubiquitous_units(problem: Problem) -> frozenset[str]:
    """Units that attend a large share of the week's requests: never a link on their own."""
    counts = Counter(u for r in problem.requests for u in set(r.units))
    n = max(len(problem.requests), 1)
    return frozenset(u for u, c in counts.items() if c >= 3 and c / n >= UBIQUITOUS_SHARE)


def planned_minutes(problem: Problem, request: MeetingRequest) -> int:
    """The requested length, capped at the meeting type's maximum (a hard rule). A meeting at a
    fixed time (set by a higher level) keeps its length: it is never shortened."""
    if request.fixed_start is not None:
        return request.minutes
    cap = problem.settings.caps(request.kind).max_minutes
    return min(request.minutes, cap) if cap else request.minutes


def minimum_minutes(problem: Problem, request: MeetingRequest) -> int:
    if request.fixed_start is not None:
        return request.minutes
    caps = problem.settings.caps(request.kind)
    floor = request.min_minutes or caps.min_minutes or request.minutes
    return min(floor, planned_minutes(problem, request))


def forbidden(problem: Problem, a: MeetingRequest, b: MeetingRequest) -> bool:
    """Staff said these two must not share a sitting (不与何会套开, or forbid_merge in week.toml)."""
    pairs = getattr(problem.settings, "forbid_merge", ())
    return b.id in a.no_merge_with or a.id in b.no_merge_with or (a.id, b.id) in pairs or (b.id, a.id) in pairs


def may_share(problem: Problem, a: MeetingRequest, b: MeetingRequest, spans=None) -> str | None:
    """None when a and b may share a sitting as far as form goes; else why not (Chinese)."""
    if not (a.mergeable and b.mergeable):
        return "标为不可套开"
    if a.chair != b.chair:
        return "主持领导不同"
    if a.fixed_start or b.fixed_start:
        return "为固定时间会议"
    if RETURNED in (a.approval, b.approval):
        return "审批退回"
    if forbidden(problem, a, b):
        return "已注明不与该会套开"
    sa = spans[a.id] if spans else request_spans(problem, a)
    sb = spans[b.id] if spans else request_spans(problem, b)
    if not set(sa) & set(sb):
        return "申请的日期或时段没有交集"
    return None


def relations(problem: Problem) -> dict[tuple[str, str], Relation]:
    """Every related pair (ids in sorted order) with its score and reasons."""
    spans = {r.id: request_spans(problem, r) for r in problem.requests}
    vocabulary = Vocabulary(problem.requests)
    common = ubiquitous_units(problem)
    threshold = problem.settings.similarity_threshold
    by_chair: dict[str, list[MeetingRequest]] = {}
    for request in problem.requests:
        by_chair.setdefault(request.chair, []).append(request)
    out = {}
    for group in by_chair.values():
        for a, b in combinations(sorted(group, key=lambda r: r.id), 2):
            if may_share(problem, a, b, spans) is not None:
                continue
            links: list[tuple[float, str]] = []
            if b.id in a.merge_with or a.id in b.merge_with:
                links.append((MERGE_WITH_SCORE, "主办单位申请套开"))
            tags = sorted(set(a.tags) & set(b.tags))
            if tags:
                links.append((min(TAG_SCORE + 0.05 * (len(tags) - 1), 0.95), f"主题标签相同（{'、'.join(tags)}）"))
            cosine = vocabulary.cosine(a.id, b.id)
            if cosine >= threshold:
                shared = "、".join(vocabulary.shared_words(a.id, b.id))
                links.append((cosine, f"会议名称和议题相近（共同词语：{shared}；相似度{cosine:.2f}）"))
            if not links:
                continue  # shared attendees alone are no link
            links.sort(key=lambda x: -x[0])
            reasons = [text for _, text in links]
            units = sorted((set(a.units) & set(b.units)) - common)
            bonus = 0.0
            if units:
                bonus = UNIT_BONUS * len(units) / max(len(set(a.units) | set(b.units)), 1)
                reasons.append(f"参会单位重叠（{'、'.join(units[:3])}{'等' if len(units) > 3 else ''}）")
            out[(a.id, b.id)] = Relation(score=round(links[0][0] + bonus, 4), reasons=tuple(reasons))
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
        strength = sum(pairs[p].percent for p in combinations(sorted(ids), 2) if p in pairs)
        out.append(Candidate(
            key="+".join(ids) + ("~min" if shortened else ""), request_ids=ids, minutes=tuple(minutes), shortened=shortened, strength=strength,
        ))

    for request in problem.requests:
        if request.approval == RETURNED:
            continue
        add((request.id,), False)
        if minimum_minutes(problem, request) < planned_minutes(problem, request):
            add((request.id,), True)  # never for a fixed-time meeting: its minimum is its length
    seen = {c.request_ids for c in out}
    for ids in keep:
        if ids not in seen and all(rid in index and index[rid].approval != RETURNED for rid in ids) and connected(ids, pairs):
            add(ids, False)
            seen.add(ids)
    for nodes in groups(problem, pairs):  # then the connected subsets of each related group
        edges = {p for p in pairs if p[0] in nodes}
        for subset in _connected_subsets(nodes, edges, settings.max_items_per_sitting, MAX_CANDIDATES_PER_GROUP):
            ids = tuple(sorted(subset, key=lambda rid: _item_order(index[rid])))
            if ids not in seen:
                add(ids, False)
                seen.add(ids)
    return tuple(out)


def groups(problem: Problem, pairs: dict) -> list[list[str]]:
    """The related groups: connected components of the relation graph (two or more requests
    each), each sorted, in the order of their first request id."""
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
    return sorted(sorted(nodes) for nodes in components.values())


def _item_order(request: MeetingRequest):
    """Items run urgent first, then by request id."""
    return (not request.urgent, request.id)


def connected(ids, pairs) -> bool:
    """One request, or requests joined by related pairs: what a sitting may hold."""
    ids = list(ids)
    if len(ids) < 2:
        return True
    reached, frontier = {ids[0]}, [ids[0]]
    while frontier:
        x = frontier.pop()
        for y in ids:
            if y not in reached and tuple(sorted((x, y))) in pairs:
                reached.add(y)
                frontier.append(y)
    return len(reached) == len(ids)
