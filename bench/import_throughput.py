"""Throughput of the bulk import: assessed proposals into a fresh SQLite file, assessments included.

Usage: python bench/import_throughput.py [--count 100000] [--seed 7] [--target 2000]
Generates the proposals (deterministic for a seed), assesses them with the default policy, imports
them with storage.import_use_cases in one transaction, and prints proposals/second for the database
part and for the whole (assess + import). Exits non-zero when the import (the database part, use
case and assessment rows) is below the target; the whole is reported, as assessing is benchmarked
by bench/assess_throughput.py.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).parent))
from proposals import generate

from advisor import DEFAULT, assess, parse_proposal
from storage import import_use_cases, make_engine, make_session_factory, upgrade
from storage.models import AssessmentRow, UseCaseRow


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--target", type=float, default=2_000)
    args = parser.parse_args()

    proposals = [parse_proposal(raw) for raw in generate(args.count, seed=args.seed)]
    with tempfile.TemporaryDirectory(prefix="import-bench-") as directory:
        engine = make_engine(f"sqlite:///{Path(directory) / 'portfolio.db'}")
        try:
            upgrade(engine)
            started = time.perf_counter()
            items = [(proposal, assess(proposal)) for proposal in proposals]
            assessed = time.perf_counter()
            with make_session_factory(engine)() as session:
                ids = import_use_cases(
                    session, items, policy_version=DEFAULT.version, now=datetime.now(UTC)
                )
                session.commit()
            finished = time.perf_counter()
            with engine.connect() as connection:
                stored = [
                    connection.scalar(select(func.count()).select_from(table))
                    for table in (UseCaseRow, AssessmentRow)
                ]
        finally:
            engine.dispose()

    if len(ids) != args.count or stored != [args.count, args.count]:
        print(f"import incomplete: {len(ids)} ids, rows stored {stored}", file=sys.stderr)
        return 1
    database_rate = args.count / (finished - assessed)
    whole_rate = args.count / (finished - started)
    print(f"assess:           {assessed - started:6.2f} s")
    print(
        f"import (DB part): {finished - assessed:6.2f} s  {database_rate:10,.0f} proposals/s"
        " (use case + assessment rows, one transaction)"
    )
    print(f"assess + import:  {finished - started:6.2f} s  {whole_rate:10,.0f} proposals/s")
    for part, rate in (("import", database_rate), ("assess + import", whole_rate)):
        verdict = "meets" if rate >= args.target else "misses"
        print(f"{part}: {verdict} {args.target:,.0f} proposals/s")
    return 0 if database_rate >= args.target else 1


if __name__ == "__main__":
    raise SystemExit(main())
