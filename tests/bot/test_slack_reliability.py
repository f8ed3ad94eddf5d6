"""The Slack app when things go wrong or get hostile: limits, injections, retries, failures."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from samples import NOT_A_CHECK, NOT_A_NUMBER
from slack_double import (
    INTERVIEW_ANSWERS,
    ServedApp,
    Server,
    app_home_opened,
    in_thread,
    interview,
    message_event,
    start,
    wait,
)
from slack_sdk.models.blocks import Block

from bot.service import Advisor
from bot.settings import Settings
from bot.slack.app import create_slack_app
from bot.web import create_web_app
from storage import make_engine, make_session_factory

ANSWERS = INTERVIEW_ANSWERS
TEXT_ANSWERS = {0, 2, 3, 4, 16}  # title, problem, owner, KPI, operating plan
# As Slack delivers event text: mentions tokenised, & < > escaped.
HOSTILE = " <!channel> <!here> <@U0BADGUY> <!subteam^S1> <https://evil.example|bank> &lt;!here&gt;"
RAW = ("<!channel>", "<!here>", "<@U0BADGUY>", "<!subteam", "<https://evil")


def test_every_message_is_valid_block_kit_and_no_injection_fires(
    start_server: Callable[[], Server],
) -> None:
    server = start_server()
    root_ts = start(server)
    hostile = [a + HOSTILE if n in TEXT_ANSWERS else a for n, a in enumerate(ANSWERS)]
    interview(server, root_ts, hostile)
    verdict = in_thread(server)[-1]
    assert verdict["metadata"]["event_type"] == "mlops_assessment_completed"
    sent = [c for c in server.slack.calls() if c.method in {"chat.postMessage", "chat.update"}]
    for call in sent:
        blocks = call.args.get("blocks") or []
        assert len(blocks) <= 50
        for block in blocks:
            parsed = Block.parse(block)
            assert parsed is not None
            parsed.validate_json()
        text = json.dumps(call.args)
        for token in RAW:
            assert token not in text, (call.method, token)


BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def test_bidi_controls_typed_in_answers_are_not_echoed(start_server: Callable[[], Server]) -> None:
    server = start_server()
    root_ts = start(server)
    # "Invoice \u202eexe.gnp" would show as "Invoice png.exe": the verdict must show what was typed.
    disguised = [
        f"{a} \u202eexe.gnp{BIDI}" if n in TEXT_ANSWERS else a for n, a in enumerate(ANSWERS)
    ]
    interview(server, root_ts, disguised)
    verdict = in_thread(server)[-1]
    assert verdict["metadata"]["event_type"] == "mlops_assessment_completed"
    shown = json.dumps(verdict, ensure_ascii=False)
    assert f"{ANSWERS[0]} exe.gnp" in shown
    sent = [c for c in server.slack.calls() if c.method in {"chat.postMessage", "chat.update"}]
    for call in sent:
        text = json.dumps(call.args, ensure_ascii=False)
        assert not set(BIDI) & set(text), call.method
    [stored] = server.advisor.use_cases()
    assert stored.title == disguised[0]  # kept as typed: only what is echoed is neutralised


def test_a_rate_limited_post_is_retried(start_server: Callable[[], Server]) -> None:
    server = start_server()
    server.slack.rate_limit_next("chat.postMessage", retry_after=0)
    root_ts = start(server)
    statuses = [c.status for c in server.slack.calls("chat.postMessage")]
    assert statuses[:2] == [429, 200]
    assert root_ts


def test_a_failing_listener_apologises_and_the_next_reply_carries_on(
    start_server: Callable[[], Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = start_server()
    root_ts = start(server)
    real_answer = server.advisor.answer
    failures: list[str] = []

    def answer_failing_once(*args: Any, **kwargs: Any) -> Any:
        if not failures:
            failures.append("once")
            raise RuntimeError("the database went away")
        return real_answer(*args, **kwargs)

    monkeypatch.setattr(server.advisor, "answer", answer_failing_once)
    server.post(message_event(ANSWERS[0], thread_ts=root_ts))
    [apology] = server.slack.wait_for("chat.postEphemeral", 1)
    assert apology.args["user"] == "U1" and "Sorry" in apology.args["text"]
    interview(server, root_ts, ANSWERS)
    assert [case.title for case in server.advisor.use_cases()] == [ANSWERS[0]]


def responses(server: Server, count: int) -> list[dict[str, Any]]:
    def replies() -> list[dict[str, Any]]:
        found = [c.args for c in server.slack.calls() if c.method.startswith("respond-")]
        return found if len(found) >= count else []

    return list(wait(replies, f"{count} ephemeral replies"))


def test_only_the_owner_or_an_admin_may_delete(
    start_server: Callable[[], Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLOPS_ADVISOR_ADMINS", "UADMIN")
    server = start_server()
    root_ts = start(server)
    interview(server, root_ts, ANSWERS)
    [stored] = server.advisor.use_cases()
    server.command(f"delete {stored.id}", user_id="U2")
    assert "You have no check" in responses(server, 1)[0]["text"]
    assert server.advisor.use_case(stored.id) is not None
    server.command(f"delete {stored.id}", user_id="UADMIN")
    assert f"Deleted check #{stored.id}" in responses(server, 2)[1]["text"]
    assert server.advisor.use_case(stored.id) is None


def test_app_home_shows_admins_the_portfolio_totals(
    start_server: Callable[[], Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLOPS_ADVISOR_ADMINS", "UADMIN")
    server = start_server()
    root_ts = start(server)
    interview(server, root_ts, ANSWERS)
    server.post(app_home_opened("U1"))
    server.post(app_home_opened("UADMIN"))
    published = server.slack.wait_for("views.publish", 2)
    views = {call.args["user_id"]: json.dumps(call.args["view"]) for call in published}
    assert "Portfolio totals" not in views["U1"] and ANSWERS[0] in views["U1"]
    # Each check links to its thread, with the permalink Slack gave.
    [permalink_call] = server.slack.calls("chat.getPermalink")[:1]
    assert permalink_call.args["message_ts"] == root_ts
    assert f"<{permalink_call.response['permalink']}|open the thread>" in views["U1"]
    assert "Portfolio totals" in views["UADMIN"]
    assert "*1* use cases" in views["UADMIN"]


def test_healthz_is_503_when_the_database_does_not_answer(slack_env: Any) -> None:
    # Port 9 on loopback: nothing listens there, so every connection is refused at once.
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2")
    with Advisor(make_session_factory(engine), on_close=engine.dispose) as advisor:
        slack_app = create_slack_app(Settings().checked(socket_mode=False), advisor)
        served = ServedApp(create_web_app(slack_app, advisor))
        try:
            response = httpx.get(f"{served.url}/healthz", timeout=10)
        finally:
            served.stop()
    assert response.status_code == 503


def test_numbers_that_are_no_check_get_an_answer_and_log_no_error(
    start_server: Callable[[], Server], caplog: pytest.LogCaptureFixture
) -> None:
    server = start_server()
    typed = [(verb, text) for verb in ("show", "delete") for text in NOT_A_CHECK + NOT_A_NUMBER]
    for count, (verb, text) in enumerate(typed, start=1):
        assert server.command(f"{verb} {text}").status_code == 200
        answer = responses(server, count)[-1]["text"]
        if text in NOT_A_CHECK:
            assert answer == f"You have no check #{text.lstrip('#')}.", (verb, text)
        else:
            assert answer == "Give the check's number, e.g. `show 12`.", (verb, text)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_list_and_show_typed_in_the_thread_mid_interview_are_commands(
    start_server: Callable[[], Server],
) -> None:
    server = start_server()
    root_ts = start(server)
    worth = INTERVIEW_ANSWERS.index("300k")  # "Roughly what is it worth per year…": a number
    interview(server, root_ts, INTERVIEW_ANSWERS[:worth])
    asked = len(in_thread(server))
    for typed in ("list", "show 1"):
        assert server.post(message_event(typed, thread_ts=root_ts)).status_code == 200
    # An event leaves the inbox when handled, a moment before its reply is posted: wait for both.
    wait(lambda: len(server.slack.calls("chat.postEphemeral")) >= 2, "both private replies")
    server.settled()
    private = [c.args for c in server.slack.calls("chat.postEphemeral")]
    assert [args["text"] for args in private] == ["Your MLOps checks", "You have no check #1."]
    assert all(args["thread_ts"] == root_ts and args["user"] == "U1" for args in private)
    assert len(in_thread(server)) == asked  # nothing posted for all to see, no question skipped
    # The number question still waits, and an answer that merely holds the word stays one.
    interview(server, root_ts, ["300k", *INTERVIEW_ANSWERS[worth + 1 :]])
    [use_case] = server.advisor.use_cases()
    assert use_case.proposal.annual_value_eur == 300_000
