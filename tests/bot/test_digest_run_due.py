"""`digest run-due`: every due digest posted exactly once, whatever runs it and however often.

In-process tests inject a recording `post`; the acceptance tests run `python -m bot digest
run-due` as separate OS processes against the Slack API double (the plain-text digest, as the
rich renderer is wired in separately).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from slack_double import BOT_TOKEN, SlackApiDouble
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from advisor import Cadence, Period, Subscription
from bot.jobs.digests import Outcome, run_due
from bot.service import ScheduledDigest, ScheduledWork
from bot.slack.posting import make_slack_client
from storage import claim_period, get_claim, make_engine, make_session_factory, subscribe

ROOT = Path(__file__).resolve().parents[2]
CREATED = datetime(2026, 1, 1, tzinfo=UTC)
# Monday 2 March 2026, 09:00 in Amsterdam (CET, +01:00).
MONDAY = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
STALE = timedelta(minutes=10)


@pytest.fixture
def sessions(migrated_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(migrated_url)
    yield make_session_factory(engine)
    engine.dispose()


def add(
    sessions: sessionmaker[Session],
    channel: str = "C1",
    *,
    tz: str = "Europe/Amsterdam",
    cadence: Cadence = Cadence.WEEKLY,
    grace: timedelta = timedelta(hours=24),
) -> Subscription:
    with sessions.begin() as session:
        return subscribe(
            session,
            channel_id=channel,
            cadence=cadence,
            day=0,
            at=time(9, 0),
            tz=tz,
            grace=grace,
            now=CREATED,
        )


class Recorder:
    """A `post` that records what it was asked to post; fails for channels in `failing`."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, str]] = []
        self.failing: set[str] = set()

    def __call__(self, digest: ScheduledDigest) -> str:
        subscription, period = digest.subscription, digest.period
        if subscription.channel_id in self.failing:
            raise RuntimeError("channel_not_found")
        self.posts.append((subscription.channel_id, period.key))
        return f"1700000000.{len(self.posts):06d}"


def run(sessions, now, post, claimant="test"):
    work = ScheduledWork(sessions)
    return run_due(work, now=now, post=post, claimant=claimant, stale_after=STALE)


def outcomes(results) -> dict[str, Outcome]:
    return {result.subscription.channel_id: result.outcome for result in results}


# --- in process --------------------------------------------------------------------------------


def test_posts_once_per_period(sessions):
    add(sessions)
    post = Recorder()

    first = run(sessions, MONDAY, post)
    again = run(sessions, MONDAY + timedelta(hours=3), post)
    days_later = run(sessions, MONDAY + timedelta(days=6), post)
    next_week = run(sessions, MONDAY + timedelta(days=7), post)

    assert outcomes(first) == {"C1": Outcome.POSTED}
    assert first[0].message_ts == "1700000000.000001"
    assert outcomes(again) == {"C1": Outcome.DONE}
    assert outcomes(days_later) == {"C1": Outcome.DONE}
    assert outcomes(next_week) == {"C1": Outcome.POSTED}
    assert post.posts == [("C1", "2026-03-02"), ("C1", "2026-03-09")]
    with sessions() as session:
        claim = get_claim(session, first[0].subscription.id, "2026-03-02")
    assert claim is not None
    assert claim.posted_at == MONDAY
    assert claim.message_ts == "1700000000.000001"


def test_before_the_first_due_instant_nothing_is_posted(sessions):
    with sessions.begin() as session:
        subscribe(
            session,
            channel_id="C1",
            cadence=Cadence.WEEKLY,
            day=0,
            at=time(9, 0),
            tz="UTC",
            now=MONDAY + timedelta(hours=2),
        )
    post = Recorder()
    assert outcomes(run(sessions, MONDAY + timedelta(days=3), post)) == {"C1": Outcome.NOT_DUE}
    assert post.posts == []


def test_a_crash_after_claiming_is_recovered_after_stale_after(sessions):
    subscription = add(sessions)
    # A run claimed Monday's digest, committed, and died before posting.
    with sessions.begin() as session:
        claim_period(session, subscription.id, "2026-03-02", MONDAY, "dead:1", stale_after=STALE)
    post = Recorder()

    soon = run(sessions, MONDAY + timedelta(minutes=5), post)
    later = run(sessions, MONDAY + STALE + timedelta(seconds=1), post)
    after = run(sessions, MONDAY + timedelta(hours=1), post)

    assert outcomes(soon) == {"C1": Outcome.HELD}
    assert outcomes(later) == {"C1": Outcome.POSTED}
    assert outcomes(after) == {"C1": Outcome.DONE}
    assert post.posts == [("C1", "2026-03-02")]


def test_a_failed_post_is_retried_and_does_not_stop_the_others(sessions, caplog):
    add(sessions, "C1")
    add(sessions, "C2")
    post = Recorder()
    post.failing.add("C1")

    with caplog.at_level(logging.INFO, logger="bot.jobs.digests"):
        first = run(sessions, MONDAY, post)
    post.failing.clear()
    held = run(sessions, MONDAY + timedelta(minutes=1), post)
    retried = run(sessions, MONDAY + timedelta(minutes=11), post)

    assert outcomes(first) == {"C1": Outcome.FAILED, "C2": Outcome.POSTED}
    assert first[0].error == "channel_not_found"
    assert "channel_not_found" in caplog.text
    assert outcomes(held) == {"C1": Outcome.HELD, "C2": Outcome.DONE}
    assert outcomes(retried) == {"C1": Outcome.POSTED, "C2": Outcome.DONE}
    assert sorted(post.posts) == [("C1", "2026-03-02"), ("C2", "2026-03-02")]


def test_a_missed_digest_within_grace_is_posted_once_when_back(sessions):
    add(sessions)
    post = Recorder()
    back = MONDAY + timedelta(hours=23)
    assert outcomes(run(sessions, back, post)) == {"C1": Outcome.POSTED}
    assert outcomes(run(sessions, back + timedelta(hours=2), post)) == {"C1": Outcome.DONE}
    assert post.posts == [("C1", "2026-03-02")]


def test_an_older_missed_digest_is_skipped_and_logged_once(sessions, caplog):
    add(sessions, grace=timedelta(hours=24))
    post = Recorder()
    back = MONDAY + timedelta(hours=25)

    with caplog.at_level(logging.WARNING, logger="bot.jobs.digests"):
        first = run(sessions, back, post)
        second = run(sessions, back + timedelta(hours=1), post)

    assert outcomes(first) == {"C1": Outcome.SKIPPED}
    assert outcomes(second) == {"C1": Outcome.DONE}
    assert post.posts == []
    skipped = [record for record in caplog.records if "skipped" in record.getMessage()]
    assert len(skipped) == 1
    assert "C1 (2026-03-02)" in skipped[0].getMessage()
    # The next period is posted as usual.
    assert outcomes(run(sessions, MONDAY + timedelta(days=7), post)) == {"C1": Outcome.POSTED}


def test_the_grace_window_is_configurable(sessions):
    add(sessions, grace=timedelta(hours=72))
    post = Recorder()
    assert outcomes(run(sessions, MONDAY + timedelta(hours=60), post)) == {"C1": Outcome.POSTED}


@pytest.mark.parametrize(
    ("tz", "before_change", "after_change"),
    [
        # Europe/Amsterdam: summer time from Sunday 29 March, winter time from Sunday 25 October.
        (
            "Europe/Amsterdam",
            datetime(2026, 3, 23, 8, tzinfo=UTC),
            datetime(2026, 3, 30, 7, tzinfo=UTC),
        ),
        (
            "Europe/Amsterdam",
            datetime(2026, 10, 19, 7, tzinfo=UTC),
            datetime(2026, 10, 26, 8, tzinfo=UTC),
        ),
        # America/New_York: daylight time from Sunday 8 March, standard time from Sunday 1 November.
        (
            "America/New_York",
            datetime(2026, 3, 2, 14, tzinfo=UTC),
            datetime(2026, 3, 9, 13, tzinfo=UTC),
        ),
        (
            "America/New_York",
            datetime(2026, 10, 26, 13, tzinfo=UTC),
            datetime(2026, 11, 2, 14, tzinfo=UTC),
        ),
    ],
)
def test_dst_weeks_post_at_local_nine(sessions, tz, before_change, after_change):
    add(sessions, tz=tz)
    post = Recorder()
    second = timedelta(seconds=1)

    # Each run one second before and at local 09:00 on the Mondays either side of the change.
    assert outcomes(run(sessions, before_change - second, post)) == {"C1": Outcome.SKIPPED}
    assert outcomes(run(sessions, before_change, post)) == {"C1": Outcome.POSTED}
    assert outcomes(run(sessions, after_change - second, post)) == {"C1": Outcome.DONE}
    assert outcomes(run(sessions, after_change, post)) == {"C1": Outcome.POSTED}

    # 09:00 local falls on the same date in UTC in both zones.
    assert [key for _, key in post.posts] == [
        before_change.date().isoformat(),
        after_change.date().isoformat(),
    ]


# A minimal poster for the in-process tests: what matters there is how often and when run_due
# posts, not what (the rich digest has tests of its own, and the processes below use it).
def plain_digest_text(subscription: Subscription, period: Period) -> str:
    """The minimal digest: which interval it covers, in the subscription's local dates."""
    zone = subscription.zone
    start = period.start.astimezone(zone).date().isoformat()
    end = period.end.astimezone(zone).date().isoformat()
    cadence = {Cadence.WEEKLY: "Weekly", Cadence.BIWEEKLY: "Biweekly", Cadence.MONTHLY: "Monthly"}
    return f"{cadence[subscription.cadence]} MLOps digest for {start} – {end}"


def post_plain_digest(client: WebClient, subscription: Subscription, period: Period) -> str:
    """Post a one-line digest; returns the message's ts."""
    response = client.chat_postMessage(
        channel=subscription.channel_id,
        text=plain_digest_text(subscription, period),
        unfurl_links=False,
        unfurl_media=False,
    )
    return str(response["ts"])


def test_a_rate_limited_post_is_delayed_not_duplicated_or_dropped(sessions, slack_api):
    add(sessions)
    slack_api.rate_limit_next("chat.postMessage", times=2, retry_after=0)
    client = make_slack_client(BOT_TOKEN, slack_api.url)

    def post(digest: ScheduledDigest) -> str:
        return post_plain_digest(client, digest.subscription, digest.period)

    results = run(sessions, MONDAY, post)

    assert outcomes(results) == {"C1": Outcome.POSTED}
    calls = slack_api.calls("chat.postMessage")
    assert [call.status for call in calls] == [429, 429, 200]
    assert calls[-1].args["channel"] == "C1"
    assert results[0].message_ts == calls[-1].response["ts"]
    assert outcomes(run(sessions, MONDAY, post)) == {"C1": Outcome.DONE}
    assert len(slack_api.calls("chat.postMessage")) == 3


# --- acceptance: separate processes ------------------------------------------------------------


def run_due_processes(url: str, slack: SlackApiDouble, now: datetime, count: int = 3) -> list[str]:
    """`count` processes run `python -m bot digest run-due --now NOW` at once; their outputs."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SLACK_", "DATABASE_URL", "MLOPS_ADVISOR_"))
    }
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": slack.url,
        }
    )
    command = [
        sys.executable,
        "-m",
        "bot",
        "digest",
        "run-due",
        "--now",
        now.isoformat(),
        "--database-url",
        url,
    ]
    processes = [
        subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(count)
    ]
    outputs = []
    for process in processes:
        output, _ = process.communicate(timeout=120)
        assert process.returncode == 0, output
        outputs.append(output)
    return outputs


def posted(slack: SlackApiDouble, channel: str = "C1") -> list[str]:
    """The digests' root messages in the channel (their details go in the thread)."""
    return [
        call.args["text"]
        for call in slack.calls("chat.postMessage")
        if call.status == 200
        and call.args.get("channel") == channel
        and not call.args.get("thread_ts")
    ]


def test_three_processes_post_exactly_once_per_period(migrated_url, sessions, slack_api):
    add(sessions)

    run_due_processes(migrated_url, slack_api, MONDAY)
    assert len(posted(slack_api)) == 1

    run_due_processes(migrated_url, slack_api, MONDAY + timedelta(days=2))
    assert len(posted(slack_api)) == 1

    outputs = run_due_processes(migrated_url, slack_api, MONDAY + timedelta(days=7))
    assert len(posted(slack_api)) == 2
    assert sum("posted C1 2026-03-09" in output for output in outputs) == 1


def test_processes_recover_a_claim_whose_claimer_crashed(migrated_url, sessions, slack_api):
    subscription = add(sessions)
    with sessions.begin() as session:
        claim_period(session, subscription.id, "2026-03-02", MONDAY, "dead:1", stale_after=STALE)

    run_due_processes(migrated_url, slack_api, MONDAY + timedelta(minutes=5))
    assert posted(slack_api) == []

    run_due_processes(migrated_url, slack_api, MONDAY + timedelta(minutes=11))
    assert len(posted(slack_api)) == 1
