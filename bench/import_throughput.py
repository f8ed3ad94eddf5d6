"""Throughput of `mlops-advisor import FILE` end to end: parse, validate, assess, store, start-up.

Usage: python bench/import_throughput.py [--count 100000] [--seed 7] [--target 2000] [--csv]
    [--storage-only]
Writes `count` generated proposals (deterministic for a seed) to a JSONL file (and with --csv a
CSV file too), runs `python -m bot import FILE --database-url sqlite:///<tmp>/bench.db` as a
subprocess, counts the use case and assessment rows it stored, and prints proposals/second for
the whole command. Exits non-zero when the JSONL import (the headline) is below the target.
--storage-only adds the secondary figure of storage.import_use_cases alone (already assessed
proposals into a fresh database), which is what the database part costs.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).parent))
from proposals import generate

from advisor import DEFAULT, Proposal, assess, parse_proposal
from storage import import_use_cases, make_engine, make_session_factory, upgrade
from storage.models import AssessmentRow, UseCaseRow

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--target", type=float, default=2_000)
    parser.add_argument("--csv", action="store_true", help="also time a CSV import")
    parser.add_argument("--storage-only", action="store_true", help="also time storage alone")
    args = parser.parse_args()

    raw = generate(args.count, seed=args.seed)
    with tempfile.TemporaryDirectory(prefix="import-bench-") as name:
        directory = Path(name)
        files = [_write_jsonl(directory / "proposals.jsonl", raw)]
        if args.csv:
            files.append(_write_csv(directory / "proposals.csv", raw))
        rates = {}
        for path in files:
            rate = _time_command(path, directory / f"{path.suffix[1:]}.db", args.count)
            if rate is None:
                return 1
            rates[path.suffix] = rate
        if args.storage_only:
            _time_storage(directory / "storage.db", raw)

    headline = rates[".jsonl"]
    verdict = "meets" if headline >= args.target else "MISSES"
    print(f"end to end (JSONL): {headline:,.0f} proposals/s ({verdict} {args.target:,.0f})")
    return 0 if headline >= args.target else 1


def _write_jsonl(path: Path, raw: list[dict[str, object]]) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(proposal) + "\n" for proposal in raw)
    return path


def _write_csv(path: Path, raw: list[dict[str, object]]) -> Path:
    fields = list(Proposal.model_fields)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(fields)
        for proposal in raw:
            writer.writerow(["" if proposal[key] is None else proposal[key] for key in fields])
    return path


def _time_command(path: Path, database: Path, count: int) -> float | None:
    url = f"sqlite:///{database}"
    command = [sys.executable, "-m", "bot", "import", str(path), "--database-url", url]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    elapsed = time.perf_counter() - started
    stored = _count_rows(url)
    if result.returncode != 0 or stored != [count, count]:
        print(f"{path.name}: exit {result.returncode}, rows stored {stored}", file=sys.stderr)
        print(result.stderr[-2000:], file=sys.stderr)
        return None
    rate = count / elapsed
    print(f"{result.stdout.strip()}")
    print(
        f"import {path.suffix[1:]:<5} {count:,} proposals in {elapsed:6.2f} s:"
        f" {rate:8,.0f} proposals/s end to end (start-up included)"
    )
    return rate


def _count_rows(url: str) -> list[int | None]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return [
                connection.scalar(select(func.count()).select_from(table))
                for table in (UseCaseRow, AssessmentRow)
            ]
    finally:
        engine.dispose()


def _time_storage(database: Path, raw: list[dict[str, object]]) -> None:
    items = [(proposal, assess(proposal)) for proposal in map(parse_proposal, raw)]
    engine = make_engine(f"sqlite:///{database}")
    try:
        upgrade(engine)
        started = time.perf_counter()
        with make_session_factory(engine)() as session:
            import_use_cases(session, items, policy_version=DEFAULT.version, now=datetime.now(UTC))
            session.commit()
        elapsed = time.perf_counter() - started
    finally:
        engine.dispose()
    print(
        f"storage only: {len(items):,} assessed proposals in {elapsed:6.2f} s:"
        f" {len(items) / elapsed:8,.0f} proposals/s (storage.import_use_cases, one transaction)"
    )


if __name__ == "__main__":
    raise SystemExit(main())
