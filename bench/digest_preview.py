"""Time and memory of `mlops-advisor digest preview --format json` on a 100,000-use-case portfolio.

Usage: python bench/digest_preview.py [--count 100000] [--seed 7] [--runs 3]
    [--max-seconds 2] [--max-mb 300] [--database FILE]
Seeds `count` generated proposals (bench/proposals.py, assessed with the bundled policy, one
transaction through storage.import_use_cases) into a temporary SQLite file, half of them
created inside the digest's week, then runs `python -m bot digest preview --format json
--database-url sqlite:///<file>` as a subprocess `runs` times. Reports wall time (start-up
included) and peak RSS (that child's own ru_maxrss, from os.wait4) of the worst run, checks the
JSON, and exits non-zero above the limits. `--database FILE` reuses (or keeps) a seeded file.
Seeding runs in a process of its own, so the benchmark's process stays small: a child forked
from a large parent would inherit its peak RSS in ru_maxrss.

If `digest preview` is not wired into the command line yet, the same command is run through
`python -c` with bot.cli.digest_preview registered on bot.cli.main's app first; the output
says which.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from proposals import generate

from advisor import DEFAULT, Proposal, assess
from storage import import_use_cases, make_engine, make_session_factory, upgrade

ROOT = Path(__file__).resolve().parent.parent
_WRAPPED = (
    "import sys; from bot.cli.main import app; from bot.cli import digest_preview;"
    " digest_preview.register(app); sys.argv[0] = 'mlops-advisor'; app()"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-seconds", type=float, default=2.0)
    parser.add_argument("--max-mb", type=float, default=300.0)
    parser.add_argument("--database", type=Path, help="a seeded file to reuse, or to keep")
    parser.add_argument("--seed-into", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_into:
        _seed(f"sqlite:///{args.seed_into}", args.count, args.seed)
        return 0

    with tempfile.TemporaryDirectory(prefix="digest-bench-") as name:
        path = args.database or Path(name) / "bench.db"
        url = f"sqlite:///{path}"
        if not path.exists():
            started = time.perf_counter()
            seeding = [sys.executable, __file__, "--seed-into", str(path)]
            subprocess.run(
                [*seeding, "--count", str(args.count), "--seed", str(args.seed)],
                cwd=ROOT,
                check=True,
            )
            print(f"seeded {args.count:,} use cases in {time.perf_counter() - started:.1f} s")
        command = _command()
        worst = peak_mb = 0.0
        for _ in range(args.runs):
            elapsed, rss_mb, output = _run(
                [*command, "digest", "preview", "--format", "json", "--database-url", url],
                Path(name) / "out.json",
            )
            if output is None:
                return 1
            data = json.loads(output)
            if data["portfolio_size"] != args.count:
                print(f"expected {args.count} use cases, got {data['portfolio_size']}")
                return 1
            worst, peak_mb = max(worst, elapsed), max(peak_mb, rss_mb)
            print(f"run: {elapsed:.2f} s, {rss_mb:.0f} MB")
    wiring = "python -m bot" if command[1] == "-m" else "python -c (preview registered by hand)"
    print(
        f"digest preview --format json, {args.count:,} use cases, via {wiring}:"
        f" worst of {args.runs} {worst:.2f} s, peak RSS {peak_mb:.0f} MB"
        f" (limits {args.max_seconds} s, {args.max_mb:.0f} MB)"
    )
    print(
        f"new {data['new_count']:,}, risk {data['risk_count']:,},"
        f" purgatory {data['purgatory_count']:,}, decisions {data['decisions_waiting_count']:,}"
    )
    return 0 if worst <= args.max_seconds and peak_mb <= args.max_mb else 1


def _run(command: list[str], output: Path) -> tuple[float, float, str | None]:
    # os.wait4 gives this child's own rusage; ru_maxrss is in KiB on Linux.
    # Output to files, not pipes: nobody reads a pipe while wait4 waits.
    errors = output.with_suffix(".err")
    with output.open("w", encoding="utf-8") as out, errors.open("w", encoding="utf-8") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        print(errors.read_text(encoding="utf-8"), file=sys.stderr)
        return elapsed, 0.0, None
    return elapsed, usage.ru_maxrss / 1024, output.read_text(encoding="utf-8")


def _command() -> list[str]:
    probe = subprocess.run(
        [sys.executable, "-m", "bot", "digest", "preview", "--help"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if probe.returncode == 0:
        return [sys.executable, "-m", "bot"]
    return [sys.executable, "-c", _WRAPPED]


def _seed(url: str, count: int, seed: int) -> None:
    # Half the portfolio is older than the digest's week, half new in it.
    now = datetime.now(UTC)
    engine = make_engine(url)
    upgrade(engine)
    proposals = [Proposal.model_validate(raw) for raw in generate(count, seed=seed)]
    half = count // 2
    try:
        for batch, when in ((proposals[:half], now - timedelta(days=30)), (proposals[half:], now)):
            with make_session_factory(engine).begin() as session:
                import_use_cases(
                    session,
                    ((proposal, assess(proposal, DEFAULT)) for proposal in batch),
                    policy_version=DEFAULT.version,
                    now=when,
                )
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
