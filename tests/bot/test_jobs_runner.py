"""The one runner of scheduled posts: claim, post, mark posted; and the poster by channel."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from advisor import Cadence, DigestData, Period, Subscription
from bot.jobs.runner import Posters, by_platform, claim_post_mark
from bot.service import ScheduledDigest

START = datetime(2026, 3, 2, tzinfo=UTC)


def _digest(channel: str) -> ScheduledDigest:
    subscription = Subscription(
        id=1,
        channel_id=channel,
        cadence=Cadence.WEEKLY,
        day=0,
        time=time(9, 0),
        tz="UTC",
        created_at=START,
    )
    period = Period(start=START - timedelta(days=7), end=START, due_at=START, key="2026-03-02")
    data = DigestData(
        period_start=period.start,
        period_end=period.end,
        portfolio_size=0,
        counts_by_tier={},
        total_value_eur=0,
        total_cost_eur=0,
    )
    return ScheduledDigest(subscription, period, data, ())


def test_the_claim_is_made_before_the_post_and_marked_after() -> None:
    events: list[Any] = []

    def claim() -> str:
        events.append("claim")
        return "the claim"

    def post(claim: str) -> str:
        events.append(("post", claim))
        return "ts-1"

    def mark(claim: str, message_id: str | None) -> bool:
        events.append(("mark", claim, message_id))
        return True

    attempt = claim_post_mark(claim, post, mark)
    assert events == ["claim", ("post", "the claim"), ("mark", "the claim", "ts-1")]
    assert attempt.posted and attempt.marked and attempt.message_id == "ts-1"


def test_nothing_is_posted_without_the_claim() -> None:
    attempt = claim_post_mark(lambda: None, pytest.fail, pytest.fail)
    assert attempt.claim is None and not attempt.posted


def test_a_failed_post_is_not_marked() -> None:
    def post(_: str) -> str:
        raise RuntimeError("channel_not_found")

    attempt = claim_post_mark(lambda: "the claim", post, pytest.fail)
    assert not attempt.posted and str(attempt.error) == "channel_not_found"
    assert attempt.claim == "the claim"  # kept, for a later run to take over


def test_teams_channels_go_to_the_teams_poster() -> None:
    posted: list[str] = []
    post = by_platform(
        slack=lambda digest: posted.append("slack") or "s",
        teams=lambda digest: posted.append("teams") or "t",
    )
    assert post(_digest("C0123")) == "s"
    assert post(_digest("teams:19:abc@thread.tacv2")) == "t"
    assert posted == ["slack", "teams"]


def test_a_platform_not_set_up_fails_its_digests_with_the_settings_to_fix() -> None:
    post = Posters().digest()
    with pytest.raises(RuntimeError, match="SLACK_BOT_TOKEN"):
        post(_digest("C0123"))
    with pytest.raises(RuntimeError, match="TEAMS_CLIENT_ID"):
        post(_digest("teams:19:abc@thread.tacv2"))


def test_follow_ups_are_posted_slack_first() -> None:
    def slack(_: Any) -> None:
        return None

    def teams(_: Any) -> None:
        return None

    posters = Posters(slack_follow_up=slack, teams_follow_up=teams)
    assert [platform.value for platform, _ in posters.follow_ups()] == ["slack", "teams"]
    assert Posters(teams_follow_up=teams).follow_ups()[0][1] is teams
