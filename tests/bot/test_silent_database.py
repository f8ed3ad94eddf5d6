"""A database that accepts connections but stops answering, behind a stalling proxy: the person
gets an apology, /healthz says 503 at once, and all is well again when it answers, no restart."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from slack_double import (
    INTERVIEW_ANSWERS,
    ServedApp,
    Server,
    SlackApiDouble,
    in_thread,
    interview,
    message_event,
    start,
    wait,
)
from sqlalchemy import text
from sqlalchemy.engine import make_url
from stall_proxy import StallingProxy

from bot.blocking import DatabaseTimeoutError, Offload, configure, health_checks, service_calls
from bot.bootstrap import open_advisor
from bot.service import Advisor
from bot.settings import Settings
from bot.slack.app import create_slack_app
from bot.web import create_web_app
from storage import DatabaseTimeouts, make_engine, make_session_factory

ANSWERS = INTERVIEW_ANSWERS
POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
# Short limits, so that the tests take seconds; the promises hold for the defaults alike.
TEST_TIMEOUTS = {
    "MLOPS_ADVISOR_DB_CONNECT_TIMEOUT": "2",  # libpq's minimum
    "MLOPS_ADVISOR_DB_POOL_TIMEOUT": "2",
    "MLOPS_ADVISOR_DB_REQUEST_TIMEOUT": "2",
}


@pytest.fixture
def proxy(migrated_url: str) -> Iterator[StallingProxy]:
    """A stalling proxy in front of the test's PostgreSQL database (closed before it is dropped)."""
    url = make_url(migrated_url)
    with StallingProxy((url.host or "127.0.0.1", url.port or 5432)) as running:
        yield running


def through(proxy: StallingProxy, database_url: str) -> str:
    """`database_url` with the proxy in the way."""
    url = make_url(database_url).set(host="127.0.0.1", port=proxy.port)
    return url.render_as_string(hide_password=False)


@pytest.fixture
def silent_server(
    slack_env: SlackApiDouble,
    migrated_url: str,
    proxy: StallingProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Server]:
    """The Slack app served over HTTP as `serve` builds it, its database behind `proxy`."""
    for name, value in TEST_TIMEOUTS.items():
        monkeypatch.setenv(name, value)
    settings = Settings().checked(socket_mode=False)
    for offload in (service_calls, health_checks):  # the deadlines are the process's: restored
        monkeypatch.setattr(offload, "deadline", offload.deadline)
    configure(settings)
    advisor = open_advisor(through(proxy, migrated_url), timeouts=settings.database_timeouts)
    served = ServedApp(create_web_app(create_slack_app(settings, advisor), advisor))
    try:
        yield Server(url=served.url, advisor=advisor, slack=slack_env)
    finally:
        served.stop()
        advisor.close()


def healthz(server: Server) -> int:
    # The client gives up after 1 s: an answer at all is the promise kept.
    return httpx.get(f"{server.url}/healthz", timeout=1).status_code


def apologies(server: Server, count: int) -> list[dict[str, Any]]:
    calls = server.slack.wait_for("chat.postEphemeral", count, timeout=5 + count)
    return [call.args for call in calls]


@POSTGRESQL
@pytest.mark.parametrize(
    "forget_stalled",
    [
        pytest.param(False, id="stalled-connections-answer-again"),
        pytest.param(True, id="stalled-connections-stay-silent"),
    ],
)
def test_a_silent_database_costs_an_apology_and_a_503_then_the_interview_carries_on(
    silent_server: Server, proxy: StallingProxy, forget_stalled: bool
) -> None:
    server = silent_server
    root_ts = start(server)
    interview(server, root_ts, ANSWERS[:1])
    assert healthz(server) == 200

    proxy.stall()
    server.post(message_event(ANSWERS[1], thread_ts=root_ts))
    # Within the 5 s the issue promises (Slack double's wait), to the person, in the thread.
    [apology] = server.slack.wait_for("chat.postEphemeral", 1, timeout=5)
    assert apology.args["user"] == "U1" and apology.args["thread_ts"] == root_ts
    assert "Sorry" in apology.args["text"]

    # Ten more answers stuck in flight: /healthz still answers, within a second, 503.
    for _ in range(10):
        assert server.post(message_event(ANSWERS[1], thread_ts=root_ts)).status_code == 200
    assert healthz(server) == 503
    assert len(apologies(server, 11)) == 11
    assert healthz(server) == 503

    proxy.resume(forget_stalled=forget_stalled)
    wait(lambda: healthz(server) == 200, "/healthz to say 200 again, with no restart")
    # The interview goes on from the answer that was not taken.
    interview(server, root_ts, ANSWERS[1:])
    verdict = in_thread(server)[-1]
    assert verdict["metadata"]["event_type"] == "mlops_assessment_completed"
    [stored] = server.advisor.use_cases()
    assert stored.proposal.title == ANSWERS[0] and stored.proposal.problem == ANSWERS[2]


@POSTGRESQL
def test_a_call_stuck_on_a_silent_socket_is_cut_off_and_its_thread_comes_back(
    migrated_url: str, proxy: StallingProxy
) -> None:
    engine = make_engine(through(proxy, migrated_url), timeouts=DatabaseTimeouts(connect=2))
    sessions = make_session_factory(engine)

    def select_one() -> int:
        with sessions() as session:
            return int(session.execute(text("SELECT 1")).scalar_one())

    # One thread: a stuck call that kept it would leave nothing to serve the next call.
    offload = Offload(threads=1, deadline=1, name="test-silent-socket")
    try:
        assert asyncio.run(offload.run(select_one)) == 1
        proxy.stall()
        with pytest.raises(DatabaseTimeoutError):
            asyncio.run(offload.run(select_one))
        # The stalled connection never answers again: only cutting it gave the thread back.
        proxy.resume(forget_stalled=True)
        offload.deadline = 10
        assert asyncio.run(offload.run(select_one)) == 1
    finally:
        engine.dispose()


def test_a_call_past_its_deadline_is_abandoned_and_a_queued_one_never_runs() -> None:
    release = threading.Event()
    ran: list[str] = []
    offload = Offload(threads=1, deadline=0.2, name="test-deadline")

    async def two_calls_on_one_thread() -> list[BaseException | None]:
        stuck = offload.run(release.wait, 10)
        queued = offload.run(ran.append, "queued")
        results = await asyncio.gather(stuck, queued, return_exceptions=True)
        return [result if isinstance(result, BaseException) else None for result in results]

    errors = asyncio.run(two_calls_on_one_thread())
    assert all(isinstance(error, DatabaseTimeoutError) for error in errors)
    release.set()
    # The thread is free once the first call ends; the queued call was dropped, not run late.
    assert asyncio.run(offload.run(ran.append, "after")) is None
    assert ran == ["after"]


def test_an_abandoned_call_commits_nothing(migrated_url: str) -> None:
    engine = make_engine(migrated_url)
    sessions = make_session_factory(engine)
    advisor = Advisor(sessions, on_close=engine.dispose)
    release = threading.Event()

    def forget_events_then_hang() -> None:
        with sessions.begin() as session:
            session.execute(text("DELETE FROM processed_events"))
            release.wait(10)  # the database goes quiet before this commits

    offload = Offload(threads=1, deadline=0.3, name="test-commit")
    try:
        assert advisor.first_delivery("Ev1") is True
        with pytest.raises(DatabaseTimeoutError):
            asyncio.run(offload.run(forget_events_then_hang))
        release.set()
        # The thread is back, and the delete, abandoned, was never committed.
        assert asyncio.run(offload.run(advisor.first_delivery, "Ev1")) is False
    finally:
        advisor.close()


def test_an_answer_past_the_deadline_is_apologised_for_and_never_stored_late(
    start_server: Callable[[], Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_calls, "deadline", 0.5)
    server = start_server()
    root_ts = start(server)
    interview(server, root_ts, ANSWERS[:-1])
    release, finished = threading.Event(), threading.Event()
    real_answer = server.advisor.answer

    def answer_too_late(*args: Any, **kwargs: Any) -> Any:
        try:
            release.wait(10)  # the database is silent until the deadline has passed
            return real_answer(*args, **kwargs)
        finally:
            finished.set()

    monkeypatch.setattr(server.advisor, "answer", answer_too_late)
    server.post(message_event(ANSWERS[-1], thread_ts=root_ts))
    [apology] = server.slack.wait_for("chat.postEphemeral", 1)
    assert apology.args["user"] == "U1" and "Sorry" in apology.args["text"]
    release.set()
    assert finished.wait(5)
    # The last answer, abandoned, stored no use case behind the person's back...
    assert server.advisor.use_cases() == []
    monkeypatch.setattr(server.advisor, "answer", real_answer)
    # ...and answering again finishes the check, once.
    interview(server, root_ts, ANSWERS[-1:])
    assert in_thread(server)[-1]["metadata"]["event_type"] == "mlops_assessment_completed"
    assert [case.title for case in server.advisor.use_cases()] == [ANSWERS[0]]
