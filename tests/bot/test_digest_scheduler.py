"""The digest scheduler in `serve`: its job posts what is due once, and it lives with the app."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
import uvicorn
from slack_double import BOT_TOKEN, SlackApiDouble
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

import bot.web
from advisor import Cadence
from bot.bootstrap import create_digest_scheduler, open_advisor, scheduled_posters
from bot.cli.main import app as cli
from bot.jobs.digests import Outcome
from bot.jobs.scheduler import JOB_ID, run_due_digests
from bot.service import ScheduledWork
from bot.settings import Settings
from bot.slack.app import create_slack_app
from bot.slack.posting import make_slack_client
from bot.web import create_web_app
from storage import make_engine, make_session_factory, subscribe

CREATED = datetime(2026, 1, 1, tzinfo=UTC)
# Monday 30 March 2026, 09:00 in Amsterdam: the first Monday of summer time (+02:00).
DUE = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


@pytest.fixture
def sessions(migrated_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(migrated_url)
    yield make_session_factory(engine)
    engine.dispose()


def test_the_job_posts_a_due_digest_once(
    sessions: sessionmaker[Session], slack_api: SlackApiDouble
) -> None:
    with sessions.begin() as session:
        subscribe(
            session,
            channel_id="C777",
            cadence=Cadence.WEEKLY,
            day=0,
            at=time(9, 0),
            tz="Europe/Amsterdam",
            now=CREATED,
        )
    work = ScheduledWork(sessions)
    posters = scheduled_posters(slack=make_slack_client(BOT_TOKEN, slack_api.url), teams=None)()
    # A minute before 09:00 local (summer time): nothing is due yet.
    early = run_due_digests(work, posters, now=DUE - timedelta(minutes=1), claimant="test")
    assert [r.period.key if r.period else None for r in early] == ["2026-03-23"]
    assert early[0].outcome is Outcome.SKIPPED  # last week's, long past its grace window
    assert slack_api.calls("chat.postMessage") == []

    [first] = run_due_digests(work, posters, now=DUE + timedelta(minutes=1), claimant="a")
    assert first.outcome is Outcome.POSTED and first.period is not None
    assert first.period.key == "2026-03-30" and first.period.due_at == DUE
    [posted] = slack_api.calls("chat.postMessage")
    assert posted.args["channel"] == "C777"

    [second] = run_due_digests(work, posters, now=DUE + timedelta(minutes=2), claimant="b")
    assert second.outcome is Outcome.DONE
    assert len(slack_api.calls("chat.postMessage")) == 1


def test_the_scheduler_has_one_utc_minute_job(slack_env: SlackApiDouble) -> None:
    settings = Settings().checked(socket_mode=False)
    scheduler = create_digest_scheduler(settings, ScheduledWork(sessionmaker()))
    assert scheduler is not None
    [job] = scheduler.get_jobs()
    assert job.id == JOB_ID
    assert job.trigger.interval == timedelta(minutes=1)
    assert str(job.trigger.timezone) == "UTC"
    assert job.coalesce is True and job.max_instances == 1 and job.misfire_grace_time


def test_no_scheduler_without_a_bot_token() -> None:
    settings = Settings(slack_bot_token=None, slack_signing_secret="s")
    assert create_digest_scheduler(settings, ScheduledWork(sessionmaker())) is None


class FakeScheduler:
    def __init__(self) -> None:
        self.events: list[str] = []

    def start(self) -> None:
        self.events.append("start")

    def shutdown(self, wait: bool = True) -> None:
        self.events.append(f"shutdown wait={wait}")


async def lifespan(app: Any, during: Callable[[], Awaitable[None]]) -> list[str]:
    """Drive the ASGI lifespan protocol as uvicorn does: startup, `during`, shutdown."""
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    sent: list[str] = []
    started = asyncio.Event()

    async def receive() -> dict[str, Any]:
        return await inbox.get()

    async def send(message: dict[str, Any]) -> None:
        sent.append(message["type"])
        if message["type"] == "lifespan.startup.complete":
            started.set()

    await inbox.put({"type": "lifespan.startup"})
    running = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send)
    )
    await asyncio.wait_for(started.wait(), 5)
    await during()
    await inbox.put({"type": "lifespan.shutdown"})
    await asyncio.wait_for(running, 5)
    return sent


def test_the_web_app_starts_and_stops_the_scheduler_with_its_lifespan(
    slack_env: SlackApiDouble, migrated_url: str
) -> None:
    advisor = open_advisor(migrated_url)
    try:
        slack_app = create_slack_app(Settings().checked(socket_mode=False), advisor)
        fake = FakeScheduler()
        web = create_web_app(slack_app, advisor, scheduler=fake)
        assert fake.events == []

        async def while_fake_runs() -> None:
            assert fake.events == ["start"]

        sent = asyncio.run(lifespan(web, while_fake_runs))
        assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
        assert fake.events == ["start", "shutdown wait=False"]

        # The real one, started on the lifespan's event loop.
        settings = Settings().checked(socket_mode=False)
        real = create_digest_scheduler(settings, advisor.scheduled_work())
        assert real is not None

        async def while_real_runs() -> None:
            assert real.running
            assert real.get_job(JOB_ID).next_run_time is not None

        asyncio.run(lifespan(create_web_app(slack_app, advisor, scheduler=real), while_real_runs))
        assert not real.running
    finally:
        advisor.close()


@pytest.mark.parametrize(("arguments", "scheduled"), [([], True), (["--no-scheduler"], False)])
def test_serve_wires_the_scheduler_unless_told_not_to(
    slack_env: SlackApiDouble,
    migrated_url: str,
    monkeypatch: pytest.MonkeyPatch,
    arguments: list[str],
    scheduled: bool,
) -> None:
    monkeypatch.setenv("DATABASE_URL", migrated_url)
    given: list[Any] = []
    real_create_web_app = bot.web.create_web_app

    def recording_create_web_app(
        *args: Any, scheduler: Any = None, teams: Any = None, **kwargs: Any
    ) -> Any:
        given.append(scheduler)
        assert teams is None  # no TEAMS_ settings: Teams is off
        return real_create_web_app(*args, scheduler=scheduler, teams=teams, **kwargs)

    monkeypatch.setattr(bot.web, "create_web_app", recording_create_web_app)
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    result = CliRunner().invoke(cli, ["serve", *arguments])
    assert result.exit_code == 0, result.output
    [scheduler] = given
    assert (scheduler is not None) is scheduled
    if scheduler is not None:
        assert not scheduler.running  # started only by the server's lifespan
