"""The Slack app end to end: signed requests to the real HTTP server, a fake Slack Web API."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from slack_double import (
    INTERVIEW_ANSWERS,
    Server,
    SlackApiDouble,
    app_home_opened,
    block_actions,
    message_event,
    slash_command,
)

from bot.slack.app import COMMAND

ANSWERS = INTERVIEW_ANSWERS


def thread_messages(slack: SlackApiDouble, count: int) -> list[dict[str, Any]]:
    """The first `count` messages posted in threads, waiting for them."""
    deadline = time.monotonic() + 10
    while True:
        posted = [c.args for c in slack.calls("chat.postMessage") if c.args.get("thread_ts")]
        if len(posted) >= count:
            return posted
        assert time.monotonic() < deadline, f"{len(posted)} thread messages, wanted {count}"
        time.sleep(0.01)


def start_check(server: Server, text: str = "", user: str = "U1") -> str:
    assert server.command(text, user_id=user).status_code == 200
    root = server.slack.wait_for("chat.postMessage", 1)[0]
    assert root.args["channel"] == "C1" and "thread_ts" not in root.args
    return str(root.response["ts"])


def answer(server: Server, root_ts: str, text: str, *, user: str = "U1", **extra: Any) -> None:
    response = server.post(message_event(text, thread_ts=root_ts, user=user), **extra)
    assert response.status_code == 200


def test_a_whole_interview_in_a_thread_ends_with_the_verdict(
    start_server: Callable[[], Server],
) -> None:
    server = start_server()
    root_ts = start_check(server)
    first = thread_messages(server.slack, 1)[0]
    assert first["thread_ts"] == root_ts
    for number, text in enumerate(ANSWERS, start=1):
        answer(server, root_ts, text)
        thread_messages(server.slack, number + 1)
    verdict = thread_messages(server.slack, len(ANSWERS) + 1)[-1]
    assert verdict["metadata"]["event_type"] == "mlops_assessment_completed"
    payload = verdict["metadata"]["event_payload"]
    assert payload["tier"] == "lightweight"
    assert set(payload["scores"]) == {"business_case", "mlops_need", "readiness"}
    assert verdict["blocks"][0]["type"] == "header"
    [update] = server.slack.wait_for("chat.update", 1)
    assert update.args["ts"] == root_ts
    stored = server.advisor.use_cases()
    assert [case.title for case in stored] == [ANSWERS[0]]
    assert stored[0].thread_id == root_ts and stored[0].proposer_id == "U1"


def test_choice_buttons_answer_like_typed_text(start_server: Callable[[], Server]) -> None:
    server = start_server()
    root_ts = start_check(server, "new Churn radar")
    origin_question = thread_messages(server.slack, 1)[0]
    buttons = [
        element
        for block in origin_question["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert buttons, "a choice question offers buttons"
    click = block_actions(
        buttons[0]["action_id"],
        buttons[0]["value"],
        channel="C1",
        message_ts="1700000099.000001",
        thread_ts=root_ts,
        user_id="U1",
    )
    assert server.post(click).status_code == 200
    assert thread_messages(server.slack, 2)[1]["thread_ts"] == root_ts


def test_other_people_bots_and_edits_do_not_answer(start_server: Callable[[], Server]) -> None:
    server = start_server()
    root_ts = start_check(server)
    thread_messages(server.slack, 1)
    answer(server, root_ts, "I am someone else", user="U2")
    server.post(message_event("bot says hi", thread_ts=root_ts, user="U1", bot_id="B9"))
    server.post(message_event("edited", thread_ts=root_ts, subtype="message_changed"))
    time.sleep(0.5)
    assert len(thread_messages(server.slack, 1)) == 1
    answer(server, root_ts, "Churn radar")
    assert len(thread_messages(server.slack, 2)) == 2


def test_a_retried_event_is_handled_once(start_server: Callable[[], Server]) -> None:
    server = start_server()
    root_ts = start_check(server)
    thread_messages(server.slack, 1)
    event = message_event("Churn radar", thread_ts=root_ts)
    assert server.post(event).status_code == 200
    thread_messages(server.slack, 2)
    assert server.post(event, retry_num=1).status_code == 200
    time.sleep(0.5)
    assert len(thread_messages(server.slack, 2)) == 2


@pytest.mark.parametrize("problem", ["forged", "stale"])
def test_forged_and_stale_requests_get_401_and_do_nothing(
    start_server: Callable[[], Server], problem: str
) -> None:
    server = start_server()
    request = slash_command(COMMAND, "", response_url=f"{server.slack.url}respond/x")
    headers = (
        request.headers(secret="not-the-secret")
        if problem == "forged"
        else request.headers(timestamp=int(time.time()) - 6 * 60)
    )
    response = httpx.post(f"{server.url}/slack/events", content=request.body, headers=headers)
    assert response.status_code == 401
    time.sleep(0.3)
    assert server.slack.calls("chat.postMessage") == []


def test_injected_mentions_and_links_never_fire(start_server: Callable[[], Server]) -> None:
    server = start_server()
    root_ts = start_check(server)
    thread_messages(server.slack, 1)
    # Event text as Slack delivers it: mentions tokenised, & < > escaped.
    hostile = (
        "<!channel> <!here> <@U0BADGUY> <!subteam^S1> <https://evil.example|bank> &amp; &lt;x&gt;"
    )
    answer(server, root_ts, hostile)
    answer(server, root_ts, "lots of money " + hostile)  # an origin re-prompt echoes nothing raw
    thread_messages(server.slack, 3)
    for call in server.slack.calls():
        sent = json.dumps(call.args)
        for token in ("<!channel>", "<!here>", "<@U0BADGUY>", "<!subteam", "<https://evil"):
            assert token not in sent, (call.method, token)
    assert server.advisor.use_cases() == []


def test_restarting_the_server_mid_interview_loses_nothing(
    start_server: Callable[[], Server],
) -> None:
    first = start_server()
    root_ts = start_check(first)
    thread_messages(first.slack, 1)
    for number, text in enumerate(ANSWERS[:5], start=1):
        answer(first, root_ts, text)
        thread_messages(first.slack, number + 1)
    second = start_server()
    for number, text in enumerate(ANSWERS[5:], start=6):
        answer(second, root_ts, text)
        thread_messages(second.slack, number + 1)
    [stored] = second.advisor.use_cases()
    assert stored.title == ANSWERS[0]
    assert stored.proposal.business_owner == ANSWERS[3]


def test_when_the_bot_cannot_post_the_user_is_told_how_to_fix_it(
    start_server: Callable[[], Server],
) -> None:
    server = start_server()
    server.slack.fail_next("chat.postMessage", "not_in_channel")
    assert server.command().status_code == 200
    deadline = time.monotonic() + 10
    while not [c for c in server.slack.calls() if c.method.startswith("respond-")]:
        assert time.monotonic() < deadline, [c.method for c in server.slack.calls()]
        time.sleep(0.01)
    [reply] = [c for c in server.slack.calls() if c.method.startswith("respond-")]
    assert "/invite" in reply.args["text"] and reply.args["response_type"] == "ephemeral"


def test_show_of_someone_elses_check_is_refused(start_server: Callable[[], Server]) -> None:
    server = start_server()
    root_ts = start_check(server)
    for number, text in enumerate(ANSWERS, start=1):
        answer(server, root_ts, text)
        thread_messages(server.slack, number + 1)
    [stored] = server.advisor.use_cases()
    assert server.command(f"show {stored.id}", user_id="U2").status_code == 200
    assert server.command(f"show {stored.id}", user_id="U1").status_code == 200
    deadline = time.monotonic() + 10
    while len([c for c in server.slack.calls() if c.method.startswith("respond-")]) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    replies = [c.args for c in server.slack.calls() if c.method.startswith("respond-")]
    by_text = sorted(replies, key=lambda reply: "blocks" in reply)
    assert f"You have no check #{stored.id}" in by_text[0]["text"]
    assert by_text[1]["blocks"][0]["type"] == "header"


def test_app_home_lists_the_users_checks(start_server: Callable[[], Server]) -> None:
    server = start_server()
    assert server.post(app_home_opened("U1")).status_code == 200
    [published] = server.slack.wait_for("views.publish", 1)
    assert published.args["user_id"] == "U1"
    assert published.args["view"]["type"] == "home"


def test_healthz(start_server: Callable[[], Server]) -> None:
    server = start_server()
    response = httpx.get(f"{server.url}/healthz")
    assert response.status_code == 200
