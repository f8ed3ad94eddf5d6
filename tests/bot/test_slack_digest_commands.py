"""`/mlops-check digest …` through the real HTTP server: subscribe, unsubscribe, list, preview."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import time as clock_time
from typing import Any

import pytest
from slack_double import TEAM_ID, Server

from advisor import Cadence, Platform, parse_proposal
from bot.service import Place, Proposer

HOSTILE = "Churn <!channel> <!here> <@U0BADGUY> <https://evil.example|bank> & more"
RAW = ("<!channel>", "<!here>", "<@U0BADGUY>", "<https://evil")


def replies(server: Server, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while True:
        found = [c.args for c in server.slack.calls() if c.method.startswith("respond-")]
        if len(found) >= count:
            return found
        assert time.monotonic() < deadline, f"waited for {count} ephemeral replies"
        time.sleep(0.01)


def last_reply(server: Server, count: int) -> dict[str, Any]:
    reply = replies(server, count)[count - 1]
    assert reply["response_type"] == "ephemeral"
    return reply


@pytest.fixture
def server(start_server: Callable[[], Server], monkeypatch: pytest.MonkeyPatch) -> Server:
    monkeypatch.setenv("MLOPS_ADVISOR_ADMINS", "UADMIN")
    return start_server()


def test_an_admin_subscribes_a_linked_channel_with_defaults(server: Server) -> None:
    server.command("digest subscribe <#C777|leaders>", user_id="UADMIN")
    reply = last_reply(server, 1)
    assert "<#C777>" in reply["text"]
    [subscription] = server.advisor.digest_subscriptions()
    assert subscription.channel_id == "C777"
    assert subscription.workspace_id is None  # one workspace's bot, as the CLI stores it
    assert subscription.cadence is Cadence.WEEKLY
    assert (subscription.day, subscription.time) == (0, clock_time(9, 0))
    assert subscription.tz == "Europe/London"  # the asker's time zone, from users.info


def test_the_schedule_words_are_taken_in_any_order(server: Server) -> None:
    server.command("digest subscribe <#C777> 16:30 Asia/Tokyo monthly fri", user_id="UADMIN")
    last_reply(server, 1)
    [subscription] = server.advisor.digest_subscriptions()
    assert subscription.cadence is Cadence.MONTHLY
    assert (subscription.day, subscription.time) == (4, clock_time(16, 30))
    assert subscription.tz == "Asia/Tokyo"


def test_a_bad_schedule_word_is_explained_and_nothing_stored(server: Server) -> None:
    server.command("digest subscribe <#C777> Mars/Olympus", user_id="UADMIN")
    assert "unknown time zone" in last_reply(server, 1)["text"]
    assert server.advisor.digest_subscriptions() == []


def test_a_plain_channel_name_asks_for_the_link(server: Server) -> None:
    server.command("digest subscribe #leaders", user_id="UADMIN")
    assert "pick the channel" in last_reply(server, 1)["text"]
    assert server.advisor.digest_subscriptions() == []
    server.command("digest subscribe C778", user_id="UADMIN")  # a raw id is fine
    last_reply(server, 2)
    assert [s.channel_id for s in server.advisor.digest_subscriptions()] == ["C778"]


def test_others_are_refused(server: Server) -> None:
    server.command("digest subscribe <#C777|leaders>", user_id="U2")
    assert "Only the advisor's admins" in last_reply(server, 1)["text"]
    server.advisor.subscribe_digest(
        channel_id="C777", cadence=Cadence.WEEKLY, day=0, at=clock_time(9), tz="UTC"
    )
    server.command("digest unsubscribe <#C777|leaders>", user_id="U2")
    assert "Only the advisor's admins" in last_reply(server, 2)["text"]
    assert len(server.advisor.digest_subscriptions()) == 1


@pytest.mark.parametrize("flag", ["is_admin", "is_owner"])
def test_workspace_admins_and_owners_may(server: Server, flag: str) -> None:
    server.slack.users["U9"] = {flag: True, "tz": "America/New_York"}
    server.command("digest subscribe <#C777|leaders> biweekly", user_id="U9")
    last_reply(server, 1)
    [subscription] = server.advisor.digest_subscriptions()
    assert subscription.tz == "America/New_York"
    assert subscription.cadence is Cadence.BIWEEKLY
    [info] = server.slack.calls("users.info")
    assert info.args["user"] == "U9"


def test_unsubscribe_and_list(server: Server) -> None:
    server.command("digest subscribe <#C777|leaders>", user_id="UADMIN")
    server.command("digest subscribe <#C778|board> monthly", user_id="UADMIN")
    replies(server, 2)
    server.command("digest list", user_id="U2")  # anyone may list
    listing = last_reply(server, 3)["text"]
    assert "<#C777>" in listing and "<#C778>" in listing and "monthly" in listing
    server.command("digest unsubscribe <#C777|leaders>", user_id="UADMIN")
    assert "no more digests" in last_reply(server, 4)["text"]
    assert [s.channel_id for s in server.advisor.digest_subscriptions()] == ["C778"]
    server.command("digest unsubscribe <#C777|leaders>", user_id="UADMIN")
    assert "has no digest subscription" in last_reply(server, 5)["text"]
    server.command("digest list", user_id="U2")
    listing = last_reply(server, 6)["text"]
    assert "<#C777>" not in listing and "<#C778>" in listing


def test_preview_is_ephemeral_and_neutralised(server: Server) -> None:
    server.advisor.store_proposal(
        parse_proposal({"title": HOSTILE}),
        proposer=Proposer(id="U1"),
        place=Place(
            platform=Platform.SLACK, workspace_id=TEAM_ID, channel_id="C1", thread_id="1.0"
        ),
    )
    server.command("digest preview", user_id="U2")
    reply = last_reply(server, 1)
    assert "Churn" in reply["text"]
    assert len(reply["text"]) <= 3000
    text = json.dumps(reply)
    for token in RAW:
        assert token not in text, token
    # Nothing went to a channel.
    assert server.slack.calls("chat.postMessage") == []


def test_an_unknown_digest_word_gets_the_usage(server: Server) -> None:
    server.command("digest frobnicate", user_id="U2")
    assert "digest subscribe #channel" in last_reply(server, 1)["text"]
