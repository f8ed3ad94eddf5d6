"""The Teams adapter end to end: real Activity JSON posted to /api/messages on a real server,
replies recorded by a fake Bot Connector on 127.0.0.1 (see teams_double.py)."""

from __future__ import annotations

import base64
import importlib.util
import json
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from samples import NOT_A_CHECK, NOT_A_NUMBER
from slack_double import INTERVIEW_ANSWERS
from teams_double import (
    CHANNEL,
    TENANT,
    BotConnectorDouble,
    ConnectorCall,
    channel_message,
    personal_message,
)

from advisor import Cadence, Platform, Tier
from bot.blocking import service_calls

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("microsoft_teams") is None,
    reason="the teams extra is not installed (pip install -e '.[teams]')",
)

ADMIN = "0d9a8b7c-6e5f-4a3b-2c1d-0e9f8a7b6c5d"
ZERO_WIDTH_SPACE = "\u200b"
WORD_JOINER = "\u2060"


@dataclass
class TeamsServer:
    url: str
    advisor: Any
    connector: BotConnectorDouble

    def post(self, activity: dict[str, Any], **headers: str) -> httpx.Response:
        return httpx.post(f"{self.url}/api/messages", json=activity, headers=headers, timeout=30)

    def say(self, text: str = "", **options: Any) -> list[ConnectorCall]:
        """A 1:1 message; the replies it caused."""
        before = len(self.connector.sent())
        response = self.post(personal_message(self.connector.url, text, **options))
        assert response.status_code == 200, response.text
        return self.connector.sent()[before:]

    def click(self, value: dict[str, Any], **options: Any) -> list[ConnectorCall]:
        before = len(self.connector.sent())
        response = self.post(personal_message(self.connector.url, value=value, **options))
        assert response.status_code == 200, response.text
        return self.connector.sent()[before:]


@pytest.fixture
def connector() -> Iterator[BotConnectorDouble]:
    with BotConnectorDouble() as double:
        yield double


@pytest.fixture
def teams_env(monkeypatch: pytest.MonkeyPatch, connector: BotConnectorDouble) -> None:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "TEAMS_", "MLOPS_ADVISOR_", "CLIENT_", "TENANT_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MLOPS_ADVISOR_TEAMS_INSECURE_LOCAL", "1")
    monkeypatch.setenv("TEAMS_SERVICE_URL", connector.url)
    monkeypatch.setenv("MLOPS_ADVISOR_TEAMS_ADMINS", ADMIN)


@pytest.fixture
def start_teams(
    teams_env: None, connector: BotConnectorDouble, migrated_url: str
) -> Iterator[Callable[[], TeamsServer]]:
    from slack_double import ServedApp

    from bot.bootstrap import open_advisor
    from bot.settings import Settings
    from bot.teams.app import TeamsBot
    from bot.web import create_web_app

    running: list[tuple[Any, Any]] = []

    def start() -> TeamsServer:
        advisor = open_advisor(migrated_url)
        bot = TeamsBot(Settings().teams_checked(host="127.0.0.1"), advisor)
        served = ServedApp(create_web_app(None, advisor, teams=bot))
        running.append((served, advisor))
        return TeamsServer(url=served.url, advisor=advisor, connector=connector)

    yield start
    for served, advisor in running:
        served.stop()
        advisor.close()


def _interview(server: TeamsServer, answers: list[str]) -> list[ConnectorCall]:
    """Start a check and type every answer; the replies to the last one."""
    replies = server.say("mlops-check")
    for answer in answers:
        replies = server.say(answer)
        assert len(replies) == 1, f"one reply expected to {answer!r}"
    return replies


def _is_verdict(call: ConnectorCall) -> bool:
    cards = call.cards()
    return bool(cards) and cards[0]["body"][0].get("text") in {tier.label for tier in Tier}


def test_a_whole_interview_in_a_personal_chat_ends_in_a_verdict_card(
    start_teams: Callable[[], TeamsServer],
) -> None:
    server = start_teams()
    first = server.say("mlops-check")
    assert len(first) == 1 and "call this use case" in first[0].shown()
    # A question with choices comes as a card with a button per choice; typing works too.
    origin = server.say(INTERVIEW_ANSWERS[0])
    buttons = origin[0].cards()[0]["actions"]
    assert {button["type"] for button in buttons} == {"Action.Submit"}
    assert all(button["data"]["mlops"] == "answer" for button in buttons)
    replies = origin
    for answer in INTERVIEW_ANSWERS[1:]:
        replies = server.say(answer)
    [verdict] = replies
    assert _is_verdict(verdict)
    [use_case] = server.advisor.use_cases()
    assert use_case.platform is Platform.TEAMS
    assert use_case.title == INTERVIEW_ANSWERS[0]
    assert use_case.workspace_id == TENANT
    assert use_case.latest is not None
    shown = verdict.shown()
    assert use_case.latest.assessment.tier.label in shown and f"#{use_case.id}" in shown
    assert use_case.latest.assessment.recommended_setup in shown
    for signal in use_case.latest.assessment.signals:
        assert signal.flag.value in shown
    # Every reply went into the same 1:1 conversation, on the activity's service URL.
    assert {call.conversation for call in server.connector.sent()} == {
        personal_message(server.connector.url)["conversation"]["id"]
    }


def test_list_show_and_delete_only_ones_own_checks(
    start_teams: Callable[[], TeamsServer],
) -> None:
    server = start_teams()
    _interview(server, INTERVIEW_ANSWERS)
    [use_case] = server.advisor.use_cases()
    [listing] = server.say("list")
    assert f"#{use_case.id}" in listing.shown() and "Spare-part demand" in listing.shown()
    [shown] = server.say(f"show {use_case.id}")
    assert _is_verdict(shown)
    other = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
    for command in (f"show {use_case.id}", f"delete {use_case.id}"):
        [refused] = server.say(command, user=other)
        assert f"You have no check #{use_case.id}" in refused.shown()
    [unknown] = server.say("show 999")
    assert "You have no check #999" in unknown.shown()
    [deleted] = server.say(f"delete #{use_case.id}")
    assert f"Deleted check #{use_case.id}" in deleted.shown()
    assert server.advisor.use_cases() == []
    [usage] = server.say("show it")
    assert "number" in usage.shown()


def test_numbers_that_are_no_check_get_an_answer_and_log_no_error(
    start_teams: Callable[[], TeamsServer], caplog: pytest.LogCaptureFixture
) -> None:
    server = start_teams()
    for verb in ("show", "delete"):
        for text in NOT_A_CHECK:
            [reply] = server.say(f"{verb} {text}")
            assert reply.shown() == f"You have no check #{text.lstrip('#')}.", (verb, text)
        for text in NOT_A_NUMBER:
            [reply] = server.say(f"{verb} {text}")
            assert reply.shown() == f"Give the check's number, e.g. **{verb} 12**.", (verb, text)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_a_button_answers_the_question_like_typing_its_value(
    start_teams: Callable[[], TeamsServer],
) -> None:
    server = start_teams()
    server.say("mlops-check")
    origin = server.say("Spare-part demand per warehouse")
    button = origin[0].cards()[0]["actions"][0]
    [next_question] = server.click(button["data"])
    assert "Where did the idea come from?" not in next_question.shown()
    state = server.advisor.use_cases()
    assert state == []  # still under way: nothing stored before the verdict


def test_installing_the_app_greets_with_what_it_does(
    start_teams: Callable[[], TeamsServer],
) -> None:
    server = start_teams()
    installed = personal_message(server.connector.url)
    installed.update(type="installationUpdate", action="add")
    del installed["text"], installed["textFormat"]
    assert server.post(installed).status_code == 200
    [greeting] = server.connector.sent()
    assert "mlops-check" in greeting.shown() and "list" in greeting.shown()


GROUP_CHAT = {
    "id": "19:2a7c9e1b5d3f4a6c8e0b@thread.v2",
    "conversationType": "groupChat",
    "isGroup": True,
    "tenantId": TENANT,
}


def test_a_group_chat_is_greeted_and_helped_as_a_chat_a_channel_as_a_channel(
    start_teams: Callable[[], TeamsServer],
) -> None:
    server = start_teams()
    url = server.connector.url
    for conversation, here, not_here in (
        (GROUP_CHAT, "this chat", "this channel"),
        (channel_message(url)["conversation"], "this channel", "this chat"),
    ):
        installed = channel_message(url)
        installed.update(type="installationUpdate", action="add", conversation=conversation)
        del installed["text"], installed["textFormat"], installed["entities"]
        mentioned = channel_message(url, "hello")
        mentioned["conversation"] = conversation
        for activity in (installed, mentioned):
            server.connector.reset()
            assert server.post(activity).status_code == 200
            [greeting] = server.connector.sent()
            shown = greeting.shown()
            assert "@MLOps Advisor mlops-check" in shown
            assert f"{here} gets the leadership digest" in shown and not_here not in shown


def test_a_group_chats_digest_replies_speak_of_the_chat(
    start_teams: Callable[[], TeamsServer],
) -> None:
    server = start_teams()
    said = []
    for text in ("digest subscribe monthly", "digest unsubscribe", "digest unsubscribe"):
        activity = channel_message(server.connector.url, text, user=ADMIN)
        activity["conversation"] = GROUP_CHAT
        server.connector.reset()
        assert server.post(activity).status_code == 200
        [reply] = server.connector.sent()
        said.append(reply.shown())
    assert said[0].startswith("This chat gets the leadership digest monthly")
    assert said[1:] == ["This chat gets no more digests.", "This chat has no digest subscription."]


def test_a_retried_activity_is_handled_once(start_teams: Callable[[], TeamsServer]) -> None:
    server = start_teams()
    server.say("mlops-check")
    activity = personal_message(server.connector.url, "Spare-part demand", activity_id="1001")
    assert server.post(activity).status_code == 200
    sent = len(server.connector.sent())
    # Teams resends an activity it thinks was lost, with the same id; a restarted replica too.
    assert server.post(activity).status_code == 200
    again = start_teams()
    assert again.post(activity).status_code == 200
    assert len(server.connector.sent()) == sent
    # The interview moved on by one answer only: the next answer fills the next question.
    [reply] = server.say("our team struggles")
    assert "problem" in reply.shown().lower()


def test_typed_text_cannot_mention_link_or_inject_markup(
    start_teams: Callable[[], TeamsServer],
) -> None:
    server = start_teams()
    hostile = (
        "<at>General</at> https://evil.example/bare www.evil.example "
        "[Reset your password](https://evil.example/login) "
        '<a href="https://evil.example">docs</a> ![x](https://evil.example/p.png) '
        "<https://evil.example> [ref][1]\n[1]: https://evil.example \u202egnp.exe"
    )
    replies = _interview(server, [hostile, *INTERVIEW_ANSWERS[1:]])
    assert _is_verdict(replies[-1])
    listing = server.say("list")
    for call in [*replies, *listing]:
        shown = call.shown()
        forbidden = ("<at>", "<a ", "](", "][", "]:", "<https", "\u202e", "://", "evil.example")
        for construct in forbidden:
            assert construct not in shown, (construct, shown)
        # What was typed is still there to read: the breaks are invisible.
        visible = shown.replace(ZERO_WIDTH_SPACE, "").replace(WORD_JOINER, "")
        assert "[Reset your password](https://evil.example/login)" in visible
        assert "https://evil.example/bare www.evil.example" in visible
    [use_case] = server.advisor.use_cases()
    assert use_case.title.startswith("<at>General</at>")  # stored as typed


def test_cancel_keeps_nothing_and_a_new_check_starts_afresh(
    start_teams: Callable[[], TeamsServer],
) -> None:
    server = start_teams()
    server.say("mlops-check")
    server.say("Spare-part demand")
    [cancelled] = server.say("cancel")
    assert "Nothing was stored" in cancelled.shown()
    [idle] = server.say("what now?")
    assert "mlops-check" in idle.shown()
    under_way = server.say("mlops-check")
    assert "call this use case" in under_way[-1].shown()
    # A second mlops-check during a check keeps the answers and repeats the question.
    server.say("Spare-part demand")
    again = server.say("mlops-check")
    assert "under way" in again[0].shown() and "idea come from" in again[1].shown()
    assert server.advisor.use_cases() == []


def test_a_failure_is_apologised_for_and_the_interview_goes_on(
    start_teams: Callable[[], TeamsServer],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = start_teams()
    server.say("mlops-check")
    real_answer = server.advisor.answer

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(server.advisor, "answer", broken)
    [apology] = server.say("Spare-part demand per warehouse")
    assert "Sorry, something went wrong" in apology.shown()
    assert "the database went away" not in apology.shown()
    assert "a Teams message could not be handled" in caplog.text
    monkeypatch.setattr(server.advisor, "answer", real_answer)
    [question] = server.say("Spare-part demand per warehouse")
    assert "idea come from" in question.shown()


def test_a_button_from_a_finished_check_starts_nothing(
    start_teams: Callable[[], TeamsServer],
) -> None:
    server = start_teams()
    [reply] = server.click({"mlops": "answer", "value": "business_need"})
    assert "finished" in reply.shown() and "mlops-check" in reply.shown()
    assert server.advisor.use_cases() == []


def test_an_earlier_cards_button_does_not_answer_the_open_question(
    start_teams: Callable[[], TeamsServer],
) -> None:
    server = start_teams()
    server.say("mlops-check")
    [origin] = server.say(INTERVIEW_ANSWERS[0])
    not_sure = next(b for b in origin.cards()[0]["actions"] if b["title"] == "Not sure")
    retraining = INTERVIEW_ANSWERS.index("monthly")
    for answer in INTERVIEW_ANSWERS[1:retraining]:
        [question] = server.say(answer)
    assert "How often would the model need retraining?" in question.shown()
    # As in Microsoft's Agents Playground: the click comes from the origin question's card
    # (its replyToId) while the retraining question is open, and retraining has a "Not sure" too.
    click = personal_message(server.connector.url, value=not_sure["data"])
    click["replyToId"] = "1700000000000002"
    before = len(server.connector.sent())
    assert server.post(click).status_code == 200
    [reply] = server.connector.sent()[before:]
    assert reply.shown() == "That question is already answered."
    user = click["from"]["aadObjectId"]
    state = server.advisor.current(f"teams:{TENANT}:{click['conversation']['id']}:{user}").state
    assert state.current == "retraining" and "retraining" not in state.answers
    assert state.answers["origin"] == "business_need"
    for answer in INTERVIEW_ANSWERS[retraining:]:
        replies = server.say(answer)
    assert _is_verdict(replies[0])
    [use_case] = server.advisor.use_cases()
    assert use_case.proposal.retraining.value == "monthly"
    assert use_case.proposal.origin.value == "business_need"


def test_a_card_posted_before_cards_were_bound_answers_the_open_question(
    start_teams: Callable[[], TeamsServer],
) -> None:
    server = start_teams()
    server.say("mlops-check")
    server.say(INTERVIEW_ANSWERS[0])
    # The data of an answer button as cards carried it before they carried their position.
    [next_question] = server.click({"mlops": "answer", "value": "unknown"})
    assert "What business problem does it solve" in next_question.shown()


def test_in_a_channel_a_mention_offers_the_interview_in_a_private_chat(
    start_teams: Callable[[], TeamsServer],
) -> None:
    server = start_teams()
    url = server.connector.url
    assert (
        server.post(channel_message(url, "mlops-check", user_name="<at>Ada</at>")).status_code
        == 200
    )
    [card_message] = server.connector.sent()
    [card] = card_message.cards()
    assert "<at>" not in card_message.shown()
    [start] = card["actions"]
    assert start["data"] == {"mlops": "start"}
    # The button: the bot opens a 1:1 chat with the person and asks the first question there.
    server.connector.reset()
    assert server.post(channel_message(url, value=start["data"])).status_code == 200
    [created] = [call for call in server.connector.calls() if call.path == "/v3/conversations"]
    assert created.body["members"][0]["id"].startswith("29:")
    assert created.body["tenantId"] == TENANT
    private, note = server.connector.sent()
    assert private.conversation.startswith("a:1") and "call this use case" in private.shown()
    assert note.conversation.startswith(CHANNEL) and "private chat" in note.shown()
    # The interview goes on in that chat.
    [reply] = server.say(INTERVIEW_ANSWERS[0], conversation_id=private.conversation)
    assert "idea come from" in reply.shown()


def test_when_no_private_chat_can_be_opened_the_channel_is_told_how(
    start_teams: Callable[[], TeamsServer],
) -> None:
    server = start_teams()
    server.connector.refuse_new_conversations = True
    response = server.post(channel_message(server.connector.url, value={"mlops": "start"}))
    assert response.status_code == 200
    [note] = server.connector.sent()
    assert "couldn't open a private chat" in note.shown()


def test_digest_subscriptions_from_a_channel_are_for_admins(
    start_teams: Callable[[], TeamsServer],
) -> None:
    server = start_teams()
    url = server.connector.url
    server.post(channel_message(url, "digest subscribe weekly fri 08:30"))
    [refused] = server.connector.sent()
    assert "admins" in refused.shown()
    assert server.advisor.digest_subscriptions() == []
    server.post(channel_message(url, "digest subscribe weekly fri 08:30", user=ADMIN))
    [subscription] = server.advisor.digest_subscriptions()
    assert subscription.channel_id == f"teams:{CHANNEL}"
    assert subscription.tz == "Europe/Amsterdam"  # the admin's own time zone, from Teams
    assert subscription.day == 4 and subscription.time.hour == 8
    server.post(channel_message(url, "digest list"))
    assert "this channel" in server.connector.sent()[-1].shown()
    server.post(channel_message(url, "digest subscribe fortnightly", user=ADMIN))
    assert "fortnightly" in server.connector.sent()[-1].shown()
    server.post(channel_message(url, "digest unsubscribe", user=ADMIN))
    assert server.advisor.digest_subscriptions() == []


def test_without_the_local_setting_unauthenticated_activities_get_401(
    monkeypatch: pytest.MonkeyPatch,
    teams_env: None,
    connector: BotConnectorDouble,
    migrated_url: str,
) -> None:
    from slack_double import ServedApp

    from bot.bootstrap import open_advisor
    from bot.settings import Settings
    from bot.teams.app import TeamsBot
    from bot.web import create_web_app

    monkeypatch.delenv("MLOPS_ADVISOR_TEAMS_INSECURE_LOCAL")
    monkeypatch.setenv("TEAMS_CLIENT_ID", "5d3e2f1a-0b9c-4d8e-a7f6-5e4d3c2b1a09")
    monkeypatch.setenv("TEAMS_CLIENT_SECRET", "not-a-real-secret")
    monkeypatch.setenv("TEAMS_TENANT_ID", TENANT)
    advisor = open_advisor(migrated_url)
    served = ServedApp(create_web_app(None, advisor, teams=TeamsBot(Settings(), advisor)))
    try:
        activity = personal_message(connector.url, "mlops-check")
        for headers in ({}, {"Authorization": "Bearer forged.token.value"}):
            response = httpx.post(f"{served.url}/api/messages", json=activity, headers=headers)
            assert response.status_code == 401
        assert connector.calls() == []
        assert "not-a-real-secret" not in response.text
    finally:
        served.stop()
        advisor.close()


# --- bodies that are no activity -------------------------------------------------------------

MARKER = "typed-by-a-stranger"


def _refusals(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.WARNING]


def test_a_body_that_is_no_activity_gets_400_and_one_log_line(
    start_teams: Callable[[], TeamsServer], caplog: pytest.LogCaptureFixture
) -> None:
    server = start_teams()
    server.say("help")  # the SDK set up, with its warnings about the local setting
    valid = personal_message(server.connector.url, MARKER)
    without_conversation = {key: value for key, value in valid.items() if key != "conversation"}
    bodies = {
        "empty object": b"{}",
        "message without anything": json.dumps({"type": "message", "text": MARKER}).encode(),
        "message without conversation": json.dumps(without_conversation).encode(),
        "unknown type": json.dumps({**valid, "type": MARKER}).encode(),
        "text that is a list": json.dumps({**valid, "text": [MARKER]}).encode(),
        "a list": json.dumps([valid]).encode(),
        "a string": json.dumps(MARKER).encode(),
        "deeply nested": json.dumps(valid)[:-1].encode()
        + b', "value": '
        + b"[" * 100_000
        + b"]" * 100_000
        + b"}",
        "not JSON": MARKER.encode(),
        "not UTF-8": b'{"text": "\xff' + MARKER.encode() + b'"}',
    }
    for name, body in bodies.items():
        caplog.clear()
        response = httpx.post(
            f"{server.url}/api/messages",
            content=body,
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
        assert response.status_code == 400, (name, response.text)
        [refusal] = _refusals(caplog)
        assert refusal.exc_info is None and MARKER not in refusal.getMessage(), name
    assert len(server.connector.calls()) == 1  # the answer to "help" only


def _raw_post(url: str, headers: dict[str, str], *parts: bytes) -> bytes:
    """A POST written on the socket as given (the body may never end); what the server answered."""
    address = httpx.URL(url)
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    with socket.create_connection((address.host, address.port), timeout=30) as connection:
        connection.sendall(
            f"POST /api/messages HTTP/1.1\r\nHost: {address.host}\r\n{head}\r\n".encode()
        )
        for part in parts:
            connection.sendall(part)
        answer = b""
        while not answer.endswith(b"}") and (chunk := connection.recv(65536)):
            answer += chunk
    return answer


def test_a_body_over_the_limit_gets_413_before_it_is_all_read(
    start_teams: Callable[[], TeamsServer], caplog: pytest.LogCaptureFixture
) -> None:
    from bot.request_body import DEFAULT_MAX_REQUEST_BYTES

    server = start_teams()
    server.say("help")  # the SDK set up, with its warnings about the local setting
    caplog.clear()
    # Announced: refused on the header alone, though not one byte of the body was sent.
    announced = {
        "Content-Type": "application/json",
        "Content-Length": str(10 * DEFAULT_MAX_REQUEST_BYTES),
    }
    assert _raw_post(server.url, announced).startswith(b"HTTP/1.1 413 ")
    # Chunked: refused once the limit is passed, though the body never ends.
    chunked = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    piece = b"x" * 65536
    pieces = [b"%x\r\n%s\r\n" % (len(piece), piece)] * (DEFAULT_MAX_REQUEST_BYTES // len(piece) + 1)
    assert _raw_post(server.url, chunked, *pieces).startswith(b"HTTP/1.1 413 ")
    assert len(_refusals(caplog)) == 2
    assert all(record.exc_info is None for record in _refusals(caplog))
    # Just under the limit, a real activity with a large card value is still read and answered.
    padded = personal_message(server.connector.url, "help")
    padded["channelData"]["padding"] = "x" * (
        DEFAULT_MAX_REQUEST_BYTES - len(json.dumps(padded)) - 100
    )
    assert len(json.dumps(padded).encode()) <= DEFAULT_MAX_REQUEST_BYTES
    assert server.post(padded).status_code == 200
    assert "mlops-check" in server.connector.sent()[-1].shown()


# --- proactive digests ----------------------------------------------------------------------


def _subscribe_due_tomorrow(server: TeamsServer) -> datetime:
    """Subscribe the channel to a weekly digest due tomorrow at 09:00 UTC; that instant."""
    now = datetime.now(UTC)
    due = datetime.combine((now + timedelta(days=1)).date(), time(9, 0), tzinfo=UTC)
    server.advisor.subscribe_digest(
        channel_id=f"teams:{CHANNEL}",
        cadence=Cadence.WEEKLY,
        day=due.weekday(),
        at=time(9, 0),
        tz="UTC",
    )
    return due


def _run_due(server: TeamsServer, migrated_url: str, now: datetime) -> tuple[int, str]:
    from typer.testing import CliRunner

    from bot.cli.main import app

    result = CliRunner().invoke(
        app, ["digest", "run-due", "--now", now.isoformat(), "--database-url", migrated_url]
    )
    return result.exit_code, result.output


def test_a_subscribed_channel_gets_the_digest_once_as_cards_with_the_chart(
    start_teams: Callable[[], TeamsServer], migrated_url: str
) -> None:
    server = start_teams()
    _interview(server, INTERVIEW_ANSWERS)
    due = _subscribe_due_tomorrow(server)
    server.connector.reset()

    code, output = _run_due(server, migrated_url, due + timedelta(minutes=1))
    assert code == 0, output
    assert f"posted teams:{CHANNEL}" in output
    root, *replies = server.connector.sent()
    assert root.conversation == CHANNEL
    assert "MLOps digest" in root.shown() and "Spare-part demand" not in root.shown()
    thread = f"{CHANNEL};messageid="
    assert replies and all(reply.conversation.startswith(thread) for reply in replies)
    assert "Spare-part demand per warehouse" in "".join(reply.shown() for reply in replies)
    [image] = [element for element in replies[-1].cards()[0]["body"] if element["type"] == "Image"]
    assert image["url"].startswith("data:image/png;base64,")
    assert base64.b64decode(image["url"].split(",", 1)[1]).startswith(b"\x89PNG\r\n\x1a\n")

    # Exactly once: a second run for the same week (another replica, a retried cron job).
    sent = len(server.connector.sent())
    code, output = _run_due(server, migrated_url, due + timedelta(minutes=2))
    assert code == 0 and "already done" in output
    assert len(server.connector.sent()) == sent


def test_a_throttled_digest_waits_and_is_posted_once(
    start_teams: Callable[[], TeamsServer], migrated_url: str
) -> None:
    server = start_teams()
    due = _subscribe_due_tomorrow(server)
    server.connector.reset()
    server.connector.fail_next(429, times=2, retry_after="0")
    code, output = _run_due(server, migrated_url, due + timedelta(minutes=1))
    assert code == 0, output
    attempts = [call for call in server.connector.calls() if call.conversation == CHANNEL]
    assert len(attempts) == 3  # two 429s, then the one that counted
    code, output = _run_due(server, migrated_url, due + timedelta(minutes=5))
    assert "already done" in output
    assert len([c for c in server.connector.calls() if c.conversation == CHANNEL]) == 3


def test_a_digest_the_connector_refuses_is_failed_and_retried_later(
    start_teams: Callable[[], TeamsServer], migrated_url: str
) -> None:
    server = start_teams()
    due = _subscribe_due_tomorrow(server)
    server.connector.fail_next(403)
    code, output = _run_due(server, migrated_url, due + timedelta(minutes=1))
    assert code == 1 and f"failed teams:{CHANNEL}" in output
    # The claim is taken over once it is stale (ten minutes), and then the digest goes out.
    code, output = _run_due(server, migrated_url, due + timedelta(minutes=12))
    assert code == 0 and f"posted teams:{CHANNEL}" in output


def test_the_scheduler_in_serve_posts_a_due_teams_digest_on_its_own_loop(
    start_teams: Callable[[], TeamsServer], migrated_url: str
) -> None:
    import asyncio

    from bot.bootstrap import create_digest_scheduler
    from bot.jobs.scheduler import JOB_ID
    from bot.settings import Settings
    from bot.teams.app import TeamsSender
    from storage import make_engine, make_session_factory, subscribe

    server = start_teams()
    # Subscribed a week ago for today, a minute ago: due now, as the minute's tick finds it.
    now = datetime.now(UTC)
    at = (now - timedelta(minutes=1)).time().replace(second=0, microsecond=0)
    engine = make_engine(migrated_url)
    with make_session_factory(engine).begin() as session:
        subscribe(
            session,
            channel_id=f"teams:{CHANNEL}",
            cadence=Cadence.WEEKLY,
            day=(now - timedelta(minutes=1)).weekday(),
            at=at,
            tz="UTC",
            now=now - timedelta(days=8),
        )
    engine.dispose()
    settings = Settings()  # Teams alone: no Slack bot token, so no Slack digests or follow-ups
    scheduler = create_digest_scheduler(
        settings, server.advisor.scheduled_work(), teams=TeamsSender(settings)
    )
    assert scheduler is not None
    tick = scheduler.get_job(JOB_ID).func
    asyncio.run(tick())
    [root] = [call for call in server.connector.sent() if call.conversation == CHANNEL]
    assert "No new MLOps proposals this week" in root.shown()
    asyncio.run(tick())  # the next minute: already posted
    assert len([c for c in server.connector.sent() if c.conversation == CHANNEL]) == 1


# --- follow-ups after a verdict ------------------------------------------------------------------


def test_a_teams_check_is_followed_up_in_its_chat_and_answered_there(
    start_teams: Callable[[], TeamsServer],
) -> None:
    import asyncio

    from bot.jobs.follow_ups import post_due_follow_ups
    from bot.settings import Settings
    from bot.teams.app import TeamsSender
    from bot.teams.posting import TeamsFollowUpPoster

    server = start_teams()
    _interview(server, INTERVIEW_ANSWERS)
    [use_case] = server.advisor.use_cases()
    chat = personal_message(server.connector.url)["conversation"]["id"]
    sender = TeamsSender(Settings())

    def run_follow_ups(days: int) -> list[int]:
        async def run() -> list[int]:
            poster = TeamsFollowUpPoster(sender, asyncio.get_running_loop())
            return await asyncio.to_thread(
                post_due_follow_ups,
                server.advisor.scheduled_work(),
                poster,
                platform=Platform.TEAMS,
                now=datetime.now(UTC) + timedelta(days=days),
            )

        return asyncio.run(run())

    server.connector.reset()
    assert run_follow_ups(29) == []
    assert len(run_follow_ups(31)) == 1
    assert run_follow_ups(31) == []  # once, however often the scheduler ticks
    [posted] = server.connector.sent()
    assert posted.conversation == chat and "30d follow-up" in posted.shown()
    [card] = posted.cards()
    statuses = {action["data"]["status"] for action in card["actions"]}
    assert {"live", "stalled"} <= statuses

    [thanks] = server.click({"mlops": "follow_up", "status": "stalled"})
    assert "Thanks, recorded: pilot status" in thanks.shown()
    updated = server.advisor.use_case(use_case.id)
    assert updated.proposal.pilot_status.value == "stalled"
    assert len(server.advisor.history(use_case.id)) == 2  # re-assessed, history kept
    [closed] = server.click({"mlops": "follow_up", "status": "live"})
    assert "answered already" in closed.shown()

    # The 90-day one is answered in words: they go into the notes, with the value named.
    assert len(run_follow_ups(91)) == 1
    [noted] = server.say("Live since March, it saves about €40k a year")
    assert "realised value" in noted.shown()
    notes = server.advisor.use_case(use_case.id).proposal.notes
    assert "Live since March" in notes
    [idle] = server.say("anything else?")
    assert "mlops-check" in idle.shown()  # no open follow-up left: back to the usual hint


def test_an_answer_the_database_does_not_store_in_time_is_apologised_for(
    start_teams: Callable[[], TeamsServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_calls, "deadline", 0.5)
    server = start_teams()
    server.say("mlops-check")
    release = threading.Event()
    real_answer = server.advisor.answer

    def silent(*args: Any, **kwargs: Any) -> Any:
        release.wait(10)  # the database answers only after the deadline
        return real_answer(*args, **kwargs)

    monkeypatch.setattr(server.advisor, "answer", silent)
    try:
        [apology] = server.say("Spare-part demand per warehouse")
    finally:
        release.set()
    assert "Sorry, something went wrong" in apology.shown()


def test_list_and_show_typed_mid_interview_are_commands_and_the_check_goes_on(
    start_teams: Callable[[], TeamsServer],
) -> None:
    server = start_teams()
    worth = INTERVIEW_ANSWERS.index("300k")  # "Roughly what is it worth per year…": a number
    _interview(server, INTERVIEW_ANSWERS[:worth])
    [listed] = server.say("list")
    assert "You have no checks yet" in listed.shown()
    [shown] = server.say("show 1")
    assert shown.shown() == "You have no check #1."
    # The number question still waits: the list was no answer to it.
    [next_question] = server.say("300k")
    assert "cost" in next_question.shown().lower()
    replies = next_question
    for answer in INTERVIEW_ANSWERS[worth + 1 :]:
        [*_, replies] = server.say(answer)
    assert _is_verdict(replies)
    [use_case] = server.advisor.use_cases()
    assert use_case.proposal.annual_value_eur == 300_000


def test_answers_in_sentences_are_read_offered_and_confirmed_in_a_chat(
    start_teams: Callable[[], TeamsServer],
) -> None:
    server = start_teams()
    server.say("mlops-check")
    server.say(INTERVIEW_ANSWERS[0])
    origin = (
        "our MD came back from a trade fair convinced, and a competitor already has one; the"
        " call centre agents lose hours on it"
    )
    # Two readings of the sentence come back as card buttons, one per reading.
    [offered] = server.say(origin)
    assert "Which did you mean?" in offered.shown()
    buttons = {button["title"]: button["data"] for button in offered.cards()[0]["actions"]}
    assert "Leadership asked for it" in buttons and len(buttons) >= 2
    [after_origin] = server.click(buttons["Leadership asked for it"])
    assert "Leaving competitors and mandates aside" in after_origin.shown()
    for answer in ["Agents retype orders by hand", "Head of sales ops", "Orders retyped"]:
        server.say(answer)
    # A proposed number, confirmed with its button.
    [proposed] = server.say("maybe 300k? hard to say")
    assert "I read €300,000 a year. Is that right?" in proposed.shown()
    [confirm] = proposed.cards()[0]["actions"]
    assert confirm["title"] == "Yes: €300,000 a year"
    server.click(confirm["data"])
    # A choice answered in a sentence is read, and the sentence kept.
    serving = "results as a CSV in the planning share every Monday"
    rest = INTERVIEW_ANSWERS[INTERVIEW_ANSWERS.index("batch") + 1 :]
    for answer in ["50k", "60 a week", "monthly", "one", serving, *rest]:
        replies = server.say(answer)
    assert _is_verdict(replies[-1])
    [use_case] = server.advisor.use_cases()
    proposal = use_case.proposal
    assert proposal.origin.value == "leadership_mandate" and proposal.serving.value == "batch"
    assert proposal.annual_value_eur == 300_000 and proposal.uncertain == ("annual_value_eur",)
    assert proposal.said["origin"] == origin and proposal.said["serving"] == serving
    # The verdict says the guessed value is unproven.
    assert "unproven" in replies[-1].shown()
