"""Throughput of `mlops-advisor assess --jsonl -` on one core, start-up included.

Usage: python bench/assess_throughput.py [--lines 20000] [--runs 3] [--target 5000]
Pins the command to one CPU, feeds it the lines on stdin, checks every answer came back, and
exits non-zero when the best run is below the target.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from proposals import generate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--target", type=float, default=5_000)
    args = parser.parse_args()

    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
        for proposal in generate(args.lines):
            handle.write(json.dumps(proposal) + "\n")
        path = Path(handle.name)
    command = [sys.executable, "-m", "bot", "assess", "--jsonl", "-"]
    one_core = {min(os.sched_getaffinity(0))} if hasattr(os, "sched_getaffinity") else None
    rates = []
    try:
        for _ in range(args.runs):
            with path.open("rb") as stdin:
                started = time.perf_counter()
                result = subprocess.run(
                    command,
                    stdin=stdin,
                    capture_output=True,
                    check=False,
                    preexec_fn=(lambda: os.sched_setaffinity(0, one_core)) if one_core else None,
                )
                elapsed = time.perf_counter() - started
            answers = result.stdout.count(b"\n")
            if result.returncode != 0 or answers != args.lines:
                print(f"run failed: exit {result.returncode}, {answers} answers", file=sys.stderr)
                print(result.stderr.decode()[-2000:], file=sys.stderr)
                return 1
            rates.append(args.lines / elapsed)
            print(f"{args.lines} lines in {elapsed:.2f} s: {args.lines / elapsed:,.0f} proposals/s")
    finally:
        path.unlink()
    best = max(rates)
    verdict = "meets" if best >= args.target else "MISSES"
    print(
        f"best of {args.runs}: {best:,.0f} proposals/s on one core ({verdict} {args.target:,.0f})"
    )
    return 0 if best >= args.target else 1


if __name__ == "__main__":
    raise SystemExit(main())
