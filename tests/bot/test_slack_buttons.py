"""Slack answer buttons answer the question they were posted with, once: a double click, two
presses at once, a replayed press or an older question's button changes nothing."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from slack_double import (
    INTERVIEW_ANSWERS,
    RecordedCall,
    Server,
    block_actions,
    message_event,
    wait,
)

from advisor import Tier

ANSWERS = INTERVIEW_ANSWERS
DATA_ACCESS = ANSWERS.index("yes")  # "Do you already have access to the data you need?"
ALREADY_ANSWERED = "That question is already answered."


def questions(server: Server) -> list[RecordedCall]:
    """The questions (and the verdict) posted in the thread, in order."""
    return [
        call
        for call in server.slack.calls("chat.postMessage")
        if call.args.get("thread_ts") and call.status == 200
    ]


def said(server: Server) -> list[str]:
    """What the app told the presser through `respond` (ephemeral)."""
    return [
        call.args["text"] for call in server.slack.calls() if call.method.startswith("respond-")
    ]


def start(server: Server) -> str:
    assert server.command().status_code == 200
    wait(lambda: questions(server), "the first question")
    [root] = [c for c in server.slack.calls("chat.postMessage") if not c.args.get("thread_ts")]
    return str(root.response["ts"])


def type_answers(server: Server, root_ts: str, answers: list[str]) -> None:
    for text in answers:
        before = len(questions(server))
        assert server.post(message_event(text, thread_ts=root_ts)).status_code == 200
        wait(lambda before=before: len(questions(server)) > before, f"the reply to {text!r}")


def press(server: Server, root_ts: str, question: RecordedCall, label: str) -> Any:
    """The click on the button labelled `label` of a posted question, as Slack sends it: the
    message it sits in, its action id and value, a response_url on the double."""
    buttons = [
        element
        for block in question.args["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    [button] = [b for b in buttons if b["text"]["text"] == label]
    return block_actions(
        button["action_id"],
        button["value"],
        message_ts=str(question.response["ts"]),
        thread_ts=root_ts,
        message=question.response["message"],
        response_url=f"{server.slack.url}respond-{time.monotonic_ns()}",
    )


def at_data_access(server: Server) -> tuple[str, RecordedCall]:
    """A check whose open question is "Do you already have access to the data you need?"."""
    root_ts = start(server)
    type_answers(server, root_ts, ANSWERS[:DATA_ACCESS])
    question = questions(server)[-1]
    assert "access to the data" in question.args["text"]
    return root_ts, question


def stored_state(server: Server, root_ts: str) -> Any:
    return server.advisor.current(f"slack:T1:C1:{root_ts}:U1").state


def assert_data_access_answered_once(server: Server, root_ts: str) -> None:
    """`data_access` is yes, the security question is open without an answer and was asked
    once; typing the rest ends in the verdict of the sound use case, `lightweight`."""
    state = stored_state(server, root_ts)
    assert state.answers["data_access"] is True
    assert state.current == "security_gaps" and "security_gaps" not in state.answers
    asked = [q for q in questions(server) if "security or compliance gaps" in q.args["text"]]
    assert len(asked) == 1
    type_answers(server, root_ts, ANSWERS[DATA_ACCESS + 1 :])
    [use_case] = server.advisor.use_cases()
    assert use_case.proposal.data_access is True and use_case.proposal.security_gaps is False
    assert use_case.latest is not None and use_case.latest.assessment.tier is Tier.LIGHTWEIGHT


def test_a_double_click_answers_the_question_once(start_server: Callable[[], Server]) -> None:
    server = start_server()
    root_ts, question = at_data_access(server)
    # 150 ms apart, as a person double-clicks: two presses (each with a trigger id of its own),
    # the second landing while the first is handled.
    assert server.post(press(server, root_ts, question, "Yes")).status_code == 200
    time.sleep(0.15)
    assert server.post(press(server, root_ts, question, "Yes")).status_code == 200
    wait(lambda: said(server), "the second press to be turned down")
    assert said(server) == [ALREADY_ANSWERED]
    assert_data_access_answered_once(server, root_ts)


def test_two_presses_at_once_answer_the_question_once(start_server: Callable[[], Server]) -> None:
    server = start_server()
    root_ts, question = at_data_access(server)
    clicks = [press(server, root_ts, question, "Yes") for _ in range(2)]
    together = threading.Barrier(len(clicks))
    statuses: list[int] = []

    def send(click: Any) -> None:
        together.wait()
        statuses.append(server.post(click).status_code)

    threads = [threading.Thread(target=send, args=(click,)) for click in clicks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200, 200]
    wait(lambda: said(server), "one press to be turned down")
    wait(lambda: len(questions(server)) > DATA_ACCESS + 1, "the next question")
    assert said(server) == [ALREADY_ANSWERED]
    assert_data_access_answered_once(server, root_ts)


def test_a_replayed_press_changes_nothing(start_server: Callable[[], Server]) -> None:
    server = start_server()
    root_ts, question = at_data_access(server)
    click = press(server, root_ts, question, "Yes")
    headers = click.headers()
    assert server.post(click).status_code == 200
    wait(lambda: len(questions(server)) > DATA_ACCESS + 1, "the next question")
    posted = len(questions(server))
    # The very same signed request, sent again within Slack's five minutes.
    replay = httpx.post(f"{server.url}/slack/events", content=click.body, headers=headers)
    assert replay.status_code == 200
    server.settled()
    # The inbox knows its trigger id: the replay is dropped before it reaches the interview.
    assert said(server) == []
    assert len(questions(server)) == posted
    assert_data_access_answered_once(server, root_ts)


def test_an_older_questions_button_does_not_answer_the_open_one(
    start_server: Callable[[], Server],
) -> None:
    server = start_server()
    root_ts, question = at_data_access(server)
    assert server.post(press(server, root_ts, question, "Yes")).status_code == 200
    wait(lambda: len(questions(server)) > DATA_ACCESS + 1, "the security question")
    security = questions(server)[-1]
    # "Yes" on the data question again, now that the security question is open: were it taken
    # for the open question, the verdict would turn into "fix the foundations first".
    assert server.post(press(server, root_ts, question, "Yes")).status_code == 200
    wait(lambda: said(server), "the older button to be turned down")
    assert said(server) == [ALREADY_ANSWERED]
    state = stored_state(server, root_ts)
    assert state.current == "security_gaps" and "security_gaps" not in state.answers
    # The open question still takes its own button's answer.
    before = len(questions(server))
    assert server.post(press(server, root_ts, security, "No")).status_code == 200
    # The pilot question is posted a moment after the answer is saved: wait for the post, or the
    # next typed answer's wait would count it as its own reply.
    wait(lambda: len(questions(server)) > before, "the pilot question")
    assert stored_state(server, root_ts).answers["security_gaps"] is False
    type_answers(server, root_ts, ANSWERS[DATA_ACCESS + 2 :])
    [use_case] = server.advisor.use_cases()
    assert use_case.latest is not None and use_case.latest.assessment.tier is Tier.LIGHTWEIGHT


@pytest.mark.parametrize("value", ["yes", "no"])
def test_a_button_posted_before_buttons_were_bound_answers_the_open_question(
    start_server: Callable[[], Server], value: str
) -> None:
    server = start_server()
    root_ts, question = at_data_access(server)
    # As buttons were before they carried the position they were posted at.
    old = block_actions(
        "mlops_answer:0" if value == "yes" else "mlops_answer:1",
        value,
        message_ts=str(question.response["ts"]),
        thread_ts=root_ts,
        response_url=f"{server.slack.url}respond-{time.monotonic_ns()}",
    )
    assert server.post(old).status_code == 200
    wait(lambda: len(questions(server)) > DATA_ACCESS + 1, "the next question")
    state = stored_state(server, root_ts)
    assert state.answers["data_access"] is (value == "yes")
    assert state.current == "security_gaps"
    assert said(server) == []


def test_answers_in_sentences_are_read_offered_and_confirmed_in_the_thread(
    start_server: Callable[[], Server],
) -> None:
    server = start_server()
    root_ts = start(server)
    origin = (
        "The board read about it after a rival rolled out something similar, and our planners"
        " lose hours every week"
    )
    # Two readings of the origin sentence come back as buttons, one per reading.
    type_answers(server, root_ts, [ANSWERS[0], origin])
    offered = questions(server)[-1]
    labels = [
        element["text"]["text"]
        for block in offered.args["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert "Which did you mean?" in str(offered.args["blocks"]) and len(labels) >= 2
    assert "Leadership asked for it" in labels
    before = len(questions(server))
    assert (
        server.post(press(server, root_ts, offered, "Leadership asked for it")).status_code == 200
    )
    wait(lambda: len(questions(server)) > before, "the question after the pressed reading")
    # A proposed number: "I read …, right?" with a button that confirms it.
    type_answers(
        server,
        root_ts,
        [
            "Planners rebuild the schedule by hand every Monday",
            "Head of planning",
            "Schedule changes per week",
            "maybe 300k? hard to say",
        ],
    )
    proposed = questions(server)[-1]
    assert "I read €300,000 a year. Is that right?" in str(proposed.args["blocks"])
    before = len(questions(server))
    assert server.post(press(server, root_ts, proposed, "Yes: €300,000 a year")).status_code == 200
    wait(lambda: len(questions(server)) > before, "the question after the confirmed amount")
    # A choice answered in a sentence is read as it is, and the sentence is kept.
    serving = "a csv lands in the planning share every Monday morning"
    type_answers(server, root_ts, ["50k", "60 a week", "monthly", "one", serving])
    state = stored_state(server, root_ts)
    assert state.answers["origin"] == "leadership_mandate"
    assert state.answers["annual_value"] == 300_000 and state.uncertain == ("annual_value_eur",)
    assert state.answers["serving"] == "batch"
    assert state.said["origin"] == origin and state.said["serving"] == serving
