#!/usr/bin/env python
"""Benchmark: seeded weeks at four sizes, the solver against the hand-made baseline.

    python scripts/benchmark.py                 # all sizes, prints a Markdown table
    python scripts/benchmark.py --sizes S M     # some sizes
    python scripts/benchmark.py --sizes P250 P400 P1000   # planted-feasible weeks
    python scripts/benchmark.py --write docs/benchmarks.md

Each size runs in its own process, so that its peak memory (ru_maxrss) is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LIMITS = {"S": 30, "M": 30, "L": 60, "XL": 120, "P250": 60, "P400": 60, "P1000": 180}
# P<n>: planted-feasible weeks (generate.planted) of n requests at 90 % room use: all placeable.


def one(size: str, seed: int, time_limit: float, deterministic: bool) -> dict:
    from scheduler.baseline import baseline_plan, warm_starts
    from scheduler.plan_burden import burden, submitted
    from scheduler.generate import generate
    from scheduler.rules import check
    from scheduler.solve import SolveOptions, solve

    if size.startswith("P"):
        from scheduler.generate import planted

        problem, _ = planted(int(size[1:]), seed, use=0.9, time_limit=time_limit)
    else:
        problem = generate(size, seed, time_limit=time_limit)
    started = time.monotonic()
    base = baseline_plan(problem)
    base_seconds = time.monotonic() - started
    broken = {v.rule for v in check(problem, base)} - {"within_kind_max_length"}  # staff keep asked lengths
    assert not broken, f"the baseline broke {broken}"
    warm_held = sum(len(s.items) for s in warm_starts(problem)[0][1].sittings)
    started = time.monotonic()
    plan = solve(problem, SolveOptions(time_limit=time_limit, seed=seed, workers=2, deterministic=deterministic))
    total = time.monotonic() - started
    assert not check(problem, plan)
    held = {i.request_id for s in plan.sittings for i in s.items}
    return {
        "size": size, "mode": "deterministic" if deterministic else "portfolio", "requests": len(problem.requests),
        "submitted": submitted(problem, held).as_dict(), "baseline": burden(base).as_dict() | {"seconds": base_seconds},
        "solver": burden(plan).as_dict() | {
            "first": plan.stats.first_solution_seconds, "final": plan.stats.seconds, "explain": total - plan.stats.seconds,
            "dtime": plan.stats.deterministic_time, "status": plan.stats.status, "warm_start": plan.stats.warm_start,
            "warm_held": warm_held, "variables_per_request": plan.stats.variables / max(len(problem.requests), 1), "stopped_at": plan.stats.stopped_at,
            "levels": [[lv.name, lv.value, lv.bound, lv.proven] for lv in plan.stats.levels],
        },
        "merges": merge_precision(problem, plan),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def merge_precision(problem, plan) -> dict:
    """weak: combined items whose only tie to the rest of their sitting is shared units (no
    merge request, tag or similar matter) — target 0. missed: same-chair pairs sharing a tag,
    both held, whose two-item sitting was possible (a candidate with a start and a room), that
    sit apart — target at most 10 %."""
    from scheduler.model import candidate_starts, compatible_rooms
    from scheduler.related import candidates, relations

    pairs = relations(problem)
    weak = combined = 0
    for s in plan.sittings:
        if len(s.items) < 2:
            continue
        for item in s.items:
            combined += 1
            if not any(tuple(sorted((item.request_id, o))) in pairs for o in s.request_ids if o != item.request_id):
                weak += 1
    sitting_of = {i.request_id: s.id for s in plan.sittings for i in s.items}
    possible = {
        c.request_ids for c in candidates(problem, pairs)
        if len(c.request_ids) == 2 and candidate_starts(problem, c) and compatible_rooms(problem, c.request_ids)
    }
    index = problem.request_index
    tagged = [
        (a, b) for (a, b) in pairs
        if set(index[a].tags) & set(index[b].tags) and a in sitting_of and b in sitting_of
        and (tuple(sorted((a, b), key=lambda x: (not index[x].urgent, x))) in possible)
    ]
    apart = sum(sitting_of[a] != sitting_of[b] for a, b in tagged)
    return {"combined_items": combined, "weak": weak, "tag_pairs": len(tagged), "apart": apart}


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), platform.processor())
    import ortools

    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, OR-Tools {ortools.__version__}, {platform.system()} {platform.machine()}"


def table(results: list[dict]) -> str:
    def pct(x, y):
        return f"{1 - x / y:.0%}" if y else "—"

    head = (
        "| size | plan | held | sittings | attendance trips | person-hours | leader-hours | first plan (s) | final (s) | det. time | wall s per det. s | vars/request | peak MB |"
    )
    lines = [head, "|" + "|".join("---" for _ in range(head.count("|") - 1)) + "|"]
    for r in results:
        for name in ("submitted", "baseline", "solver"):
            x = r[name]
            label = {"submitted": "as submitted (held requests)", "baseline": "by hand (baseline)", "solver": f"solver, {r['mode']}"}[name]
            first = f"{x['first']:.1f}" if x.get("first") is not None else "—"
            final = f"{x['final']:.1f}" if "final" in x else (f"{x['seconds']:.2f}" if "seconds" in x else "—")
            lines.append(
                f"| {r['size']} ({r['requests']}) | {label} | {x['requests']} | {x['sittings']} | {x['trips']} | {x['person_hours']:.0f} | {x['leader_hours']:.0f} | "
                f"{first} | {final} | {x.get('dtime', 0):.1f} | {x['final'] / max(x['dtime'], 1e-9) if 'dtime' in x else 0:.0f} | {x.get('variables_per_request', 0):.0f} | {r['peak_mb'] if name == 'solver' else 0:.0f} |"
            )
    lines.append("")
    for r in results:
        b, s, m = r["baseline"], r["solver"], r["merges"]
        levels = "; ".join(f"{n} {v} (bound {bd}{', proven' if p else ''})" for n, v, bd, p in s["levels"])
        lines.append(
            f"- {r['size']} ({r['mode']}): against the baseline {pct(s['sittings'], b['sittings'])} fewer sittings, {pct(s['trips'], b['trips'])} fewer "
            f"attendance trips, {pct(s['person_hours'], b['person_hours'])} fewer person-hours, {s['requests'] - b['requests']:+d} requests held; "
            f"merge precision: {m['weak']} of {m['combined_items']} combined items tied only by a shared unit, "
            f"{m['apart']} of {m['tag_pairs']} possible same-tag pairs left apart ({m['apart'] / max(m['tag_pairs'], 1):.0%}); "
            f"{'all ' + str(r['requests']) + ' placeable (planted); ' if r['size'].startswith('P') else ''}"
            f"warm start '{s['warm_start']}' (held {s['warm_held']}){'; STOPPED BY THE WALL-CLOCK LIMIT AT ' + s['stopped_at'] if s.get('stopped_at') else ''}. Levels: {levels}."
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["S", "M", "L", "XL"], choices=list(LIMITS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, help="override the per-size limits (S, M 30 s; L 60 s; XL 120 s)")
    parser.add_argument("--modes", nargs="+", default=["deterministic"], choices=["deterministic", "portfolio"])
    parser.add_argument("--write", type=Path, help="also write the table, with the machine, to this Markdown file")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="deterministic", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.seed, args.time_limit or LIMITS[args.one], args.mode == "deterministic")))
        return
    results = []
    for size in args.sizes:
        for mode in args.modes:
            cmd = [sys.executable, __file__, "--one", size, "--seed", str(args.seed), "--mode", mode]
            cmd += ["--time-limit", str(args.time_limit)] if args.time_limit else []
            print(f"running {size} ({mode}) ...", file=sys.stderr, flush=True)
            out = subprocess.run(cmd, capture_output=True, text=True)
            if out.returncode:
                print(out.stderr, file=sys.stderr)
                raise SystemExit(f"{size} ({mode}) failed")
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    text = table(results)
    print(text)
    if args.write:
        args.write.write_text(
            f"# Benchmarks\n\nMachine: {machine()}.\nCommand: `python scripts/benchmark.py --sizes {' '.join(args.sizes)} --write docs/benchmarks.md` (seed {args.seed}; time limits: {', '.join(f'{x} {LIMITS[x]} s' for x in args.sizes)}).\n"
            "Times are wall seconds from the start of model building ('first plan': the best warm start made complete, a valid plan the levels then improve); "
            "'det. time' is CP-SAT's deterministic time, which the budget (time limit x solve.dtime_rate(variables)) counts, neighbourhood calls at their own rate, so the plans are the same on any machine, idle or loaded.\n\n"
            f"{text}\n",
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
