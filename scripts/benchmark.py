#!/usr/bin/env python
"""Benchmark: seeded weeks at four sizes, the solver against the hand-made baseline.

    python scripts/benchmark.py                 # all sizes, prints a Markdown table
    python scripts/benchmark.py --sizes S M     # some sizes
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

LIMITS = {"S": 30, "M": 30, "L": 60, "XL": 120}


def one(size: str, seed: int, time_limit: float, deterministic: bool) -> dict:
    from scheduler.baseline import baseline_plan
    from scheduler.domain import Plan
    from scheduler.generate import generate
    from scheduler.report import figures
    from scheduler.rules import check
    from scheduler.solve import SolveOptions, solve

    problem = generate(size, seed, time_limit=time_limit)
    started = time.monotonic()
    base = baseline_plan(problem)
    base_seconds = time.monotonic() - started
    broken = {v.rule for v in check(problem, base)} - {"within_kind_max_length"}  # staff keep asked lengths
    assert not broken, f"the baseline broke {broken}"
    started = time.monotonic()
    plan = solve(problem, SolveOptions(time_limit=time_limit, seed=seed, workers=2, deterministic=deterministic))
    total = time.monotonic() - started
    assert not check(problem, plan)

    def row(p: Plan, **extra) -> dict:
        f = figures(problem, Plan(week=p.week, sittings=p.sittings, outcomes=()))
        return {
            "requests": len(problem.requests), "sittings": f.sittings, "combined": f.combined_items,
            "unscheduled": len(problem.requests) - f.scheduled, "leader_hours": f.leader_hours,
            "person_hours": f.person_hours_planned, **extra,
        }

    return {
        "size": size, "mode": "deterministic" if deterministic else "portfolio",
        "baseline": row(base, first=base_seconds, final=base_seconds, status="—", gap=None),
        "solver": row(
            plan, first=plan.stats.first_solution_seconds, final=plan.stats.seconds, status=plan.stats.status,
            gap=plan.stats.gap, explain=total - plan.stats.seconds, candidates=plan.stats.candidates, variables=plan.stats.variables,
        ),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), platform.processor())
    import ortools

    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, OR-Tools {ortools.__version__}, {platform.system()} {platform.machine()}"


def table(results: list[dict]) -> str:
    head = "| size | plan | requests | sittings | combined items | unscheduled | leader-hours | person-hours | first plan (s) | final (s) | status | gap | explain (s) | peak memory (MB) |"
    lines = [head, "|" + "|".join("---" for _ in range(head.count("|") - 1)) + "|"]
    for r in results:
        for name in ("baseline", "solver"):
            if name == "baseline" and r["mode"] == "portfolio" and any(o["size"] == r["size"] and o["mode"] == "deterministic" for o in results):
                continue
            x = r[name]
            gap = "—" if x["gap"] is None else f"{x['gap']:.3%}"
            first = "—" if x["first"] is None else f"{x['first']:.1f}"
            lines.append(
                f"| {r['size']} | {name if name == 'baseline' else 'solver, ' + r['mode']} | {x['requests']} | {x['sittings']} | {x['combined']} | {x['unscheduled']} | {x['leader_hours']:.1f} | "
                f"{x['person_hours']:.0f} | {first} | {x['final']:.1f} | {x['status']} | {gap} | {x.get('explain', 0):.1f} | {r['peak_mb']:.0f} |"
            )
    for r in results:
        b, s = r["baseline"], r["solver"]
        lines.append("")
        lines.append(
            f"{r['size']} ({r['mode']}): {1 - s['sittings'] / b['sittings']:.0%} fewer sittings, {1 - s['person_hours'] / b['person_hours']:.0%} fewer person-hours, "
            f"{b['unscheduled'] - s['unscheduled']:+d} requests scheduled against the baseline."
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=list(LIMITS), choices=list(LIMITS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, help="override the per-size limits (S, M 30 s; L 60 s; XL 120 s)")
    parser.add_argument("--modes", nargs="+", default=["deterministic", "portfolio"], choices=["deterministic", "portfolio"])
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
            f"# Benchmarks\n\nMachine: {machine()}.\nCommand: `python scripts/benchmark.py --write docs/benchmarks.md` (seed {args.seed}; time limits S, M 30 s, L 60 s, XL 120 s).\n"
            "Times count from the start of model building; 'first plan' is the solver's first conflict-free plan (it starts from the baseline's plan as a hint).\n\n"
            f"{text}\n",
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
