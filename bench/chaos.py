"""The chaos suite: python bench/chaos.py [--only NAME] [--list]

Runs every case of every module in bench/chaos_cases/ (each module has CASES: a list of (name,
async function returning the case's result)), or only the one named, and prints one row per
case and a total: what was sent, acknowledged, kept (read back through the API), acknowledged
but lost, dropped silently, and what /healthz said. Exits 1 if any acknowledged position was
lost or dropped silently (the target: none), 2 if a case could not run.

Result keys (bench/chaoskit.py): case, sent, acknowledged, kept, lost_acknowledged,
silent_drops, health, notes.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import pkgutil
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bench.chaos_cases  # noqa: E402

Case = tuple[str, Callable[[], Awaitable[dict[str, object]]]]
NUMBERS = ("sent", "acknowledged", "kept", "lost_acknowledged", "silent_drops")


def cases() -> list[tuple[str, Case]]:
    """(module, case) for every module of bench/chaos_cases/, in module then list order."""
    out = []
    for info in sorted(pkgutil.iter_modules(bench.chaos_cases.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"bench.chaos_cases.{info.name}")
        out += [(info.name, case) for case in getattr(module, "CASES", [])]
    return out


async def _await(run: Callable[[], Awaitable[dict[str, object]]]) -> dict[str, object]:
    return await run()


def num(value: object) -> int:
    if not isinstance(value, int):
        raise TypeError(f"a case's figure must be an int, not {value!r}")
    return value


def row(values: list[str], widths: list[int]) -> str:
    return "  ".join(v.rjust(w) if i and i <= len(NUMBERS) else v.ljust(w)
                     for i, (v, w) in enumerate(zip(values, widths, strict=True)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", help="run only the case of this name")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    args = ap.parse_args()
    found = cases()
    if args.list:
        for module, (name, _) in found:
            print(f"{module}: {name}")
        return 0
    chosen = [(m, c) for m, c in found if args.only is None or c[0] == args.only]
    if not chosen:
        print(f"no case named {args.only!r}; --list shows them", file=sys.stderr)
        return 2
    results: list[dict[str, object]] = []
    failed: list[str] = []
    for module, (name, run) in chosen:
        started = time.monotonic()
        print(f"[{module}] {name} ...", flush=True)
        try:
            res = asyncio.run(_await(run))
        except Exception:
            traceback.print_exc()
            failed.append(name)
            continue
        res["notes"] = f"{res['notes']}; {time.monotonic() - started:.0f} s".lstrip("; ")
        results.append(res)
    header = ["case", *NUMBERS, "health (during -> after)", "notes"]
    lines = [[str(r["case"]), *(str(r[k]) for k in NUMBERS), str(r["health"]),
              str(r["notes"])] for r in results]
    totals = ["total", *(str(sum(num(r[k]) for r in results)) for k in NUMBERS), "", ""]
    widths = [max(len(x[i]) for x in [header, *lines, totals]) for i in range(6)] + [0, 0]
    print()
    print(row(header, widths))
    for line in lines:
        print(row(line, widths))
    print(row(totals, widths))
    for name in failed:
        print(f"{name}: could not run (see above)")
    lost = sum(num(r["lost_acknowledged"]) + num(r["silent_drops"]) for r in results)
    if lost:
        print(f"FAIL: {lost} acknowledged positions lost or dropped silently")
        return 1
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
