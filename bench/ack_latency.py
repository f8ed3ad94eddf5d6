"""Ack latency of `/mlops-check` over HTTP under concurrency: our app against a bare Bolt app.

Usage: python bench/ack_latency.py [--requests 400] [--concurrency 8] [--runs 3] [--warmup 16]
    [--work-ms 10] [--slow-db-ms 200] [--target-ratio 0.5]

Slack wants every request answered within 3 seconds; what it sees is the time from sending the
request to receiving the HTTP response, so that is what is timed, on loopback, per request.
Each server runs in a subprocess of its own (this script with --role), one uvicorn worker,
Starlette, on 127.0.0.1 port 0:
- bare: a sync `slack_bolt.App` with Bolt's default settings (default listener runner and
  5-thread executor, process_before_response=False) behind
  `slack_bolt.adapter.starlette.SlackRequestHandler`. Its `/mlops-check` listener acks, posts a
  root message, sleeps --work-ms (a database transaction's stand-in; --slow-db-ms in the slow
  variant) and posts a first question in the thread: the same two posts our app makes.
- ours: `create_slack_app` + `create_web_app` on a fresh migrated SQLite file. An empty
  `/mlops-check` posts the root message, starts the interview in the database and posts the first
  question. In the slow variant every database transaction waits --slow-db-ms first (a
  SQLAlchemy `begin` event on the engine, holding the connection, like a slow server would).
Both talk to the Slack Web API double of tests/bot/slack_double.py, in a subprocess too, so no
request leaves the machine. A run sends --warmup untimed requests, then --requests signed
slash commands from --concurrency asyncio workers (httpx, keep-alive), then waits until the
double has received both posts for every request (the work done after the ack), bounded.
Each configuration runs --runs times on a fresh server; the table shows the median of the
runs' percentiles and the best run's p99. Exits non-zero when, in either variant, our median
p99 is above --target-ratio times the bare app's, or any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "bot"))
from slack_double import BOT_TOKEN, SIGNING_SECRET, SlackApiDouble, slash_command

ROOT = Path(__file__).resolve().parent.parent

COMMAND = "/mlops-check"
START_TIMEOUT = 30.0
DRAIN_TIMEOUT = 120.0


# --- the servers (subprocess roles) ------------------------------------------------------------


def _serve_double() -> int:
    """Print the double's URL; answer `count` lines with the number of chat.postMessage calls."""
    with SlackApiDouble(retry_after=0) as double:
        print(double.url, flush=True)
        for line in sys.stdin:
            if line.strip() == "count":
                print(len(double.calls("chat.postMessage")), flush=True)
    return 0


def _bare_app(slack_url: str, work_s: float) -> Any:
    from slack_bolt import App  # noqa: PLC0415
    from slack_bolt.adapter.starlette import SlackRequestHandler  # noqa: PLC0415
    from slack_sdk import WebClient  # noqa: PLC0415
    from starlette.applications import Starlette  # noqa: PLC0415
    from starlette.requests import Request  # noqa: PLC0415
    from starlette.responses import Response  # noqa: PLC0415
    from starlette.routing import Route  # noqa: PLC0415

    # Bolt's defaults: only the client is given, to reach the double instead of slack.com.
    app = App(client=WebClient(token=BOT_TOKEN, base_url=slack_url), signing_secret=SIGNING_SECRET)

    @app.command(COMMAND)
    def on_command(ack: Any, command: dict[str, Any], client: Any) -> None:
        ack()
        root = client.chat_postMessage(
            channel=command["channel_id"], text="An MLOps check has started."
        )
        time.sleep(work_s)  # the database transaction that starts the interview
        client.chat_postMessage(
            channel=command["channel_id"], thread_ts=root["ts"], text="What is the use case?"
        )

    handler = SlackRequestHandler(app)

    async def slack_events(request: Request) -> Response:
        return await handler.handle(request)

    return Starlette(routes=[Route("/slack/events", slack_events, methods=["POST"])])


def _our_app(database_url: str, slow_db_s: float) -> tuple[Any, Any]:
    from sqlalchemy import event  # noqa: PLC0415
    from sqlalchemy.engine import Engine  # noqa: PLC0415

    from bot.bootstrap import open_advisor  # noqa: PLC0415
    from bot.settings import Settings  # noqa: PLC0415
    from bot.slack.app import create_slack_app  # noqa: PLC0415
    from bot.web import create_web_app  # noqa: PLC0415

    advisor = open_advisor(database_url, upgrade_schema=True)
    if slow_db_s > 0:
        # Registered after the migration: every later transaction waits before its first
        # statement, with its connection checked out, in whichever thread runs it.
        def slow_begin(_connection: Any) -> None:
            time.sleep(slow_db_s)

        event.listen(Engine, "begin", slow_begin)
    slack_app = create_slack_app(Settings().checked(socket_mode=False), advisor)
    return create_web_app(slack_app, advisor), advisor


def _serve_app(args: argparse.Namespace) -> int:
    import uvicorn  # noqa: PLC0415

    advisor = None
    if args.role == "bare":
        app = _bare_app(args.slack_url, args.delay_ms / 1000)
    else:
        app, advisor = _our_app(args.database_url, args.delay_ms / 1000)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", workers=1))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    if not server.started:
        return 1
    print(port, flush=True)
    sys.stdin.read()  # the parent closes stdin to stop us
    server.should_exit = True
    thread.join(timeout=15)
    if advisor is not None:
        advisor.close()
    return 0


# --- the load ----------------------------------------------------------------------------------


@dataclass
class Child:
    """A subprocess speaking line by line on stdin/stdout; closing stdin stops it."""

    process: subprocess.Popen[str]
    arguments: list[str]

    @classmethod
    def start(cls, arguments: list[str], env: dict[str, str], log: IO[str]) -> Child:
        process = subprocess.Popen(
            [sys.executable, __file__, *arguments],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env=env,
            cwd=ROOT,
        )
        return cls(process, arguments)

    def ask(self, line: str | None = None) -> str:
        assert self.process.stdin is not None and self.process.stdout is not None
        if line is not None:
            self.process.stdin.write(line + "\n")
            self.process.stdin.flush()
        answer = self.process.stdout.readline().strip()
        if not answer:
            raise RuntimeError(f"subprocess {' '.join(self.arguments)} gave no answer")
        return answer

    def stop(self) -> None:
        with contextlib.suppress(BrokenPipeError):
            if self.process.stdin is not None:
                self.process.stdin.close()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


@dataclass
class Run:
    latencies_ms: list[float]
    failures: int
    posted: int
    expected: int
    drain_s: float


async def _load(url: str, slack_url: str, count: int, concurrency: int) -> tuple[list[float], int]:
    import httpx  # noqa: PLC0415

    latencies: list[float] = []
    failures = 0
    numbers = iter(range(count))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:

        async def worker() -> None:
            nonlocal failures
            for number in numbers:
                request = slash_command(
                    COMMAND,
                    "",
                    user_id=f"U{number:06d}",
                    response_url=f"{slack_url}respond-{number}",
                )
                headers = request.headers(SIGNING_SECRET)
                started = time.perf_counter()
                try:
                    response = await client.post(url, content=request.body, headers=headers)
                except httpx.HTTPError:
                    failures += 1
                    continue
                elapsed = time.perf_counter() - started
                if response.status_code == 200:
                    latencies.append(elapsed * 1000)
                else:
                    failures += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, failures


def _one_run(
    role: str,
    *,
    delay_ms: int,
    double: Child,
    slack_url: str,
    env: dict[str, str],
    args: argparse.Namespace,
) -> Run:
    with tempfile.TemporaryDirectory(prefix="ack-bench-") as name:
        directory = Path(name)
        with (directory / "server.log").open("w+") as log:
            arguments = ["--role", role, "--delay-ms", str(delay_ms), "--slack-url", slack_url]
            arguments += ["--database-url", f"sqlite:///{directory / 'advisor.db'}"]
            server = Child.start(arguments, env, log)
            try:
                port = int(server.ask())
                url = f"http://127.0.0.1:{port}/slack/events"
                before = int(double.ask("count"))
                asyncio.run(_load(url, slack_url, args.warmup, args.concurrency))
                latencies, failures = asyncio.run(
                    _load(url, slack_url, args.requests, args.concurrency)
                )
                expected = 2 * (args.warmup + args.requests)
                started = time.monotonic()
                posted = int(double.ask("count")) - before
                while posted < expected and time.monotonic() - started < DRAIN_TIMEOUT:
                    time.sleep(0.1)
                    posted = int(double.ask("count")) - before
                drain = time.monotonic() - started
            finally:
                server.stop()
            log.seek(0)
            errors = log.read().count("Traceback")
    if errors:
        print(f"  ({role}: {errors} tracebacks in the server's log)", file=sys.stderr)
    return Run(latencies, failures, posted, expected, drain)


def _percentile(sorted_values: list[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p% of the values at or below it."""
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass
class Summary:
    p50: float
    p90: float
    p99: float
    max: float
    best_p99: float
    failures: int
    work_done: str


def _summarise(runs: list[Run]) -> Summary:
    per_run = [sorted(run.latencies_ms) for run in runs]
    stats = [
        [_percentile(v, p) for p in (50, 90, 99, 100)] if v else [math.inf] * 4 for v in per_run
    ]
    p50, p90, p99, top = (statistics.median(column) for column in zip(*stats, strict=True))
    work = ", ".join(f"{run.posted}/{run.expected} in {run.drain_s:.1f}s" for run in runs)
    return Summary(
        p50=p50,
        p90=p90,
        p99=p99,
        max=top,
        best_p99=min(s[2] for s in stats),
        failures=sum(run.failures for run in runs),
        work_done=work,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=16)
    parser.add_argument("--work-ms", type=int, default=10, help="the bare app's stand-in DB work")
    parser.add_argument("--slow-db-ms", type=int, default=200)
    parser.add_argument("--target-ratio", type=float, default=0.5)
    parser.add_argument("--role", choices=["main", "double", "bare", "ours"], default="main")
    parser.add_argument("--delay-ms", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--slack-url", default="", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "double":
        return _serve_double()
    if args.role in {"bare", "ours"}:
        return _serve_app(args)

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MLOPS_ADVISOR_"))}
    env.pop("DATABASE_URL", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    with tempfile.TemporaryFile("w+") as double_log:
        double = Child.start(["--role", "double"], env, double_log)
        try:
            slack_url = double.ask()
            env.update(
                SLACK_BOT_TOKEN=BOT_TOKEN,
                SLACK_SIGNING_SECRET=SIGNING_SECRET,
                SLACK_API_URL=slack_url,
            )
            variants = {"normal": (args.work_ms, 0), "slow DB": (args.slow_db_ms, args.slow_db_ms)}
            results: dict[tuple[str, str], Summary] = {}
            for variant, (bare_delay, our_delay) in variants.items():
                runs: dict[str, list[Run]] = {"bare": [], "ours": []}
                for _ in range(args.runs):  # interleaved, so drift hits both alike
                    runs["bare"].append(
                        _one_run(
                            "bare",
                            delay_ms=bare_delay,
                            double=double,
                            slack_url=slack_url,
                            env=env,
                            args=args,
                        )
                    )
                    runs["ours"].append(
                        _one_run(
                            "ours",
                            delay_ms=our_delay,
                            double=double,
                            slack_url=slack_url,
                            env=env,
                            args=args,
                        )
                    )
                for role, role_runs in runs.items():
                    results[variant, role] = _summarise(role_runs)
        finally:
            double.stop()

    print(
        f"ack latency, {args.requests} x {COMMAND} at concurrency {args.concurrency}, "
        f"median of {args.runs} runs (ms)"
    )
    print(
        f"{'variant':<8} {'app':<5} {'p50':>7} {'p90':>7} {'p99':>7} {'max':>7} "
        f"{'best p99':>8} {'fail':>4}  work done after the ack (posts, per run)"
    )
    names = {"bare": "bare", "ours": "ours"}
    for (variant, role), s in results.items():
        print(
            f"{variant:<8} {names[role]:<5} {s.p50:7.1f} {s.p90:7.1f} {s.p99:7.1f} {s.max:7.1f} "
            f"{s.best_p99:8.1f} {s.failures:4d}  {s.work_done}"
        )
    ok = True
    for variant in variants:
        bare, ours = results[variant, "bare"], results[variant, "ours"]
        ratio = ours.p99 / bare.p99
        met = ratio <= args.target_ratio and ours.failures == 0 and bare.failures == 0
        ok = ok and met
        verdict = "meets" if met else "MISSES"
        print(
            f"{variant}: p99 ours/bare = {ours.p99:.1f}/{bare.p99:.1f} ms = {ratio:.2f} "
            f"({verdict} <= {args.target_ratio:.2f})"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
