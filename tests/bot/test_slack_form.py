"""`/mlops-check form` end to end: the interview as a paged modal, through the real HTTP server.

Slack sends a view_submission and reads the listener's ack from the HTTP response body
(`response_action`: update, errors or clear); the tests assert on that body.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from slack_double import (
    APP_ID,
    BOT_ID,
    TEAM_ID,
    Server,
    SlackRequest,
    view_submission,
)
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from advisor import CATALOGUE, Platform
from bot.slack.blocks import FORM_CALLBACK_ID, FORM_ERROR_MAX, form_view
from bot.slack.form import FormMeta, new_form, page_questions

# Every question a path can ask, by question id; choices by value. Empty: left empty (skip).
ANSWERS: dict[str, str] = {
    "title": "Spare-part demand per warehouse",
    "origin": "business_need",
    "problem": "Technicians wait for spare parts twice a month because fast movers run out.",
    "business_owner": "Head of service logistics",
    "kpi": "Technician hours lost waiting",
    "annual_value": "300k",
    "annual_cost": "50k",
    "new_data": "60 a week",
    "retraining": "monthly",
    "models": "one",
    "serving": "batch",
    "data_scientists": "1",
    "ml_engineers": "0",
    "data_access": "yes",
    "security_gaps": "no",
    "pilot_status": "none",
    "operating_plan": "The logistics analyst runs the weekly forecast and IT pages her on failure.",
    "notes": "",
}
HOSTILE = "<!channel> <!here> <@U0BADGUY> <!subteam^S1> <https://evil.example|bank>"
RAW_TOKENS = ("<!channel>", "<!here>", "<@U0BADGUY>", "<!subteam", "<https://evil")


# --- helpers --------------------------------------------------------------------------------


def validate_view(view: dict[str, Any]) -> None:
    """Parse the view and each block with slack_sdk's models and check Slack's limits."""
    View(**view).validate_json()
    assert view["type"] == "modal" and view["callback_id"] == FORM_CALLBACK_ID
    assert len(view["blocks"]) <= 100
    assert len(view["private_metadata"]) <= 3000
    for key in ("title", "submit", "close"):
        assert len(view[key]["text"]) <= 24
    for block in view["blocks"]:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()
        if block["type"] == "input":
            element = block["element"]
            if element["type"] == "plain_text_input":
                assert element["max_length"] <= 3000
            for option in element.get("options", []):
                assert len(option["text"]["text"]) <= 75 and len(option["value"]) <= 150


def open_form(server: Server, text: str = "form", user: str = "U1") -> dict[str, Any]:
    assert server.command(text, user_id=user).status_code == 200
    [opened] = server.slack.wait_for("views.open", 1)
    assert opened.args["trigger_id"]
    view: dict[str, Any] = opened.args["view"]
    validate_view(view)
    return view


def inputs(view: Mapping[str, Any]) -> list[str]:
    return [block["block_id"] for block in view["blocks"] if block["type"] == "input"]


def values_for(view: Mapping[str, Any], answers: Mapping[str, str]) -> dict[str, Any]:
    """`state.values` as Slack sends them: each input's action_id with the element's state."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element, text = block["element"], answers.get(block["block_id"], "")
        state: dict[str, Any] = {"type": element["type"]}
        if element["type"] == "plain_text_input":
            state["value"] = text or None
        else:
            options = [option for option in element["options"] if option["value"] == text]
            state["selected_option"] = options[0] if options else None
        values[block["block_id"]] = {element["action_id"]: state}
    return values


def submit(
    server: Server, view: Mapping[str, Any], answers: Mapping[str, str], user: str = "U1"
) -> dict[str, Any]:
    """Send the page with these answers; the ack's body (response_action...) or {}."""
    request = view_submission(
        FORM_CALLBACK_ID,
        values_for(view, answers),
        private_metadata=view["private_metadata"],
        user_id=user,
    )
    response = server.post(request)
    assert response.status_code == 200, response.text
    return response.json() if response.content else {}


def fill_in(
    server: Server, view: dict[str, Any], answers: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Submit page after page until the modal closes; the pages seen, the first included."""
    pages = [view]
    for _ in range(20):
        acked = submit(server, pages[-1], answers)
        if acked.get("response_action") == "clear":
            return pages
        assert acked.get("response_action") == "update", acked
        validate_view(acked["view"])
        pages.append(acked["view"])
    raise AssertionError("the form never ended")


def view_closed(view: Mapping[str, Any], user: str = "U1") -> SlackRequest:
    payload = {
        "type": "view_closed",
        "team": {"id": TEAM_ID, "domain": "example"},
        "user": {"id": user, "username": "alice", "team_id": TEAM_ID},
        "api_app_id": APP_ID,
        "token": "verification-token-unused",
        "view": {
            "id": "V00000001",
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": {"values": {}},
            "bot_id": BOT_ID,
        },
        "is_cleared": False,
        "is_enterprise_install": False,
    }
    body = urlencode({"payload": json.dumps(payload)}).encode("utf-8")
    return SlackRequest(body, "application/x-www-form-urlencoded", payload)


def wait_until(predicate: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def posted(server: Server) -> list[dict[str, Any]]:
    return [call.args for call in server.slack.calls("chat.postMessage")]


# --- the builder ----------------------------------------------------------------------------


def test_every_question_renders_as_a_valid_modal_input() -> None:
    questions = [*CATALOGUE.questions, CATALOGUE.follow_up_question(CATALOGUE.follow_ups.flags[0])]
    view = form_view(questions, page=1, private_metadata="{}", submit="Next")
    validate_view(view)
    by_id = {block["block_id"]: block for block in view["blocks"] if block["type"] == "input"}
    assert by_id["title"]["optional"] is False
    assert by_id["origin"]["optional"] is True
    assert by_id["origin"]["element"]["type"] == "static_select"
    assert by_id["data_access"]["element"]["type"] == "radio_buttons"
    assert by_id["annual_value"]["element"]["type"] == "plain_text_input"
    assert by_id["problem"]["element"]["multiline"] is True
    assert by_id["title"]["element"]["multiline"] is False


def test_the_first_page_is_built_without_the_database() -> None:
    form = new_form(CATALOGUE)
    assert [q.id for q in page_questions(CATALOGUE, form)] == ["title", "origin"]
    meta = FormMeta(team="T1", channel="C1", token="abc")
    assert FormMeta.decode(meta.encode()) == meta
    assert FormMeta.decode("not json") is None


# --- end to end -----------------------------------------------------------------------------


def test_form_opens_a_valid_modal_prefilled_with_the_title(
    start_server: Callable[[], Server],
) -> None:
    server = start_server()
    view = open_form(server, "form Churn &amp; co")
    assert inputs(view) == ["title", "origin"]
    [title] = [block for block in view["blocks"] if block.get("block_id") == "title"]
    assert title["element"]["initial_value"] == "Churn & co"  # as typed, not Slack-escaped
    assert FormMeta.decode(view["private_metadata"]) is not None
    assert server.slack.calls("chat.postMessage") == []


def test_a_whole_form_ends_with_the_verdict_in_the_channel(
    start_server: Callable[[], Server],
) -> None:
    server = start_server()
    first = open_form(server)

    page2 = submit(server, first, ANSWERS)
    assert page2["response_action"] == "update"
    assert inputs(page2["view"])[0] == "problem"  # the business-need wording of the problem
    bad = submit(server, page2["view"], {**ANSWERS, "annual_value": "lots of money"})
    assert bad["response_action"] == "errors"
    assert set(bad["errors"]) == {"annual_value"}
    assert 0 < len(bad["errors"]["annual_value"]) <= FORM_ERROR_MAX
    # A guess is read, not refused: with no button in a form, the error says what to type.
    guessed = submit(server, page2["view"], {**ANSWERS, "annual_value": "maybe 300k? no idea"})
    assert guessed["errors"] == {
        "annual_value": "I read €300,000 a year: type 300000 to keep it, or type the right answer."
    }

    pages = fill_in(server, page2["view"], ANSWERS)
    seen = [question for page in [first, *pages] for question in inputs(page)]
    assert seen == list(ANSWERS)

    root, verdict = server.slack.wait_for("chat.postMessage", 2)[:2]
    assert root.args["channel"] == "C1" and "thread_ts" not in root.args
    assert verdict.args["channel"] == "C1"
    assert verdict.args["thread_ts"] == root.response["ts"]
    assert verdict.args["metadata"]["event_type"] == "mlops_assessment_completed"
    assert verdict.args["metadata"]["event_payload"]["tier"] == "lightweight"
    [update] = server.slack.wait_for("chat.update", 1)
    assert update.args["ts"] == root.response["ts"]

    [stored] = server.advisor.use_cases()
    assert stored.title == ANSWERS["title"]
    assert stored.platform is Platform.SLACK
    assert (stored.workspace_id, stored.channel_id) == (TEAM_ID, "C1")
    assert stored.thread_id == root.response["ts"] and stored.proposer_id == "U1"
    assert stored.proposal.annual_value_eur == 300_000
    assert stored.proposal.operating_plan == ANSWERS["operating_plan"]


def test_a_follow_up_comes_on_a_page_of_its_own_and_branches_still_apply(
    start_server: Callable[[], Server],
) -> None:
    server = start_server()
    first = open_form(server)
    hype = "We need GenAI because our competitors all have AI now and we must not fall behind"
    follow_up = submit(server, first, {"title": hype, "origin": "vendor_pitch"})
    assert follow_up["response_action"] == "update"
    assert inputs(follow_up["view"]) == ["follow_up.fomo"]
    answers = {
        **ANSWERS,
        "follow_up.fomo": "Customers wait 3 days for a quote.",
        "problem_before_vendor": "Invoices are matched by hand, 2 days a month.",
        "pilot_status": "stalled",
        "operating_plan_today": "Nobody since the intern left.",
    }
    next_page = submit(server, follow_up["view"], answers)
    # The origin typed before the follow-up still decides the wording of the problem question.
    assert inputs(next_page["view"])[0] == "problem_before_vendor"
    pages = fill_in(server, next_page["view"], answers)
    assert any("operating_plan_today" in inputs(page) for page in pages)
    server.slack.wait_for("chat.update", 1)
    [stored] = server.advisor.use_cases()
    assert stored.title == hype
    assert stored.proposal.said["follow_up.fomo"] == "Customers wait 3 days for a quote."


def test_injected_mentions_in_the_form_never_fire(start_server: Callable[[], Server]) -> None:
    server = start_server()
    first = open_form(server)
    hostile = {
        **ANSWERS,
        "title": f"Churn {HOSTILE}",
        "problem": f"{HOSTILE} &amp; &lt;x&gt; customers leave",
        "kpi": HOSTILE,
    }
    page2 = submit(server, first, hostile)
    bad = submit(server, page2["view"], {**hostile, "annual_value": f"lots of money {HOSTILE}"})
    assert bad["response_action"] == "errors"
    acks = [json.dumps(bad)]
    fill_in(server, page2["view"], hostile)
    server.slack.wait_for("chat.update", 1)
    for call in server.slack.calls():
        sent = json.dumps(call.args)
        for token in RAW_TOKENS:
            assert token not in sent, (call.method, token)
    for sent in acks:
        for token in RAW_TOKENS:
            assert token not in sent, token
    [stored] = server.advisor.use_cases()
    assert stored.title == f"Churn {HOSTILE}"  # kept as typed; neutralised only when shown
    assert stored.proposal.problem is not None
    assert stored.proposal.problem.startswith(HOSTILE + " &amp;")  # raw: not decoded either


def test_when_the_bot_cannot_post_in_the_channel_the_check_lands_in_a_dm(
    start_server: Callable[[], Server],
) -> None:
    server = start_server()
    first = open_form(server)
    server.slack.fail_next("chat.postMessage", "not_in_channel")
    fill_in(server, first, ANSWERS)
    server.slack.wait_for("chat.update", 1)
    refused, note, root, verdict = posted(server)
    assert refused["channel"] == "C1"
    assert note["channel"] == "U1" and "/invite" in note["text"]
    assert root["channel"] == "U1" and "thread_ts" not in root
    assert verdict["channel"] == "U1" and verdict["metadata"]["event_payload"]["tier"]
    [stored] = server.advisor.use_cases()
    assert stored.channel_id == "U1" and stored.platform is Platform.SLACK


def test_a_page_sent_twice_stores_one_check(start_server: Callable[[], Server]) -> None:
    server = start_server()
    first = open_form(server)
    pages = fill_in(server, first, ANSWERS)
    server.slack.wait_for("chat.update", 1)
    again = submit(server, pages[-1], ANSWERS)
    assert again["response_action"] == "clear"
    older = submit(server, pages[1], ANSWERS)
    assert older["response_action"] == "clear"
    time.sleep(0.3)
    assert len(server.advisor.use_cases()) == 1
    assert len(posted(server)) == 2


def test_an_older_page_shows_the_current_one(start_server: Callable[[], Server]) -> None:
    server = start_server()
    first = open_form(server)
    page2 = submit(server, first, ANSWERS)
    again = submit(server, first, {**ANSWERS, "title": "Something else"})
    assert again["response_action"] == "update"
    assert inputs(again["view"]) == inputs(page2["view"])


def test_closing_the_form_keeps_nothing(start_server: Callable[[], Server]) -> None:
    server = start_server()
    first = open_form(server)
    page2 = submit(server, first, ANSWERS)
    assert server.post(view_closed(page2["view"])).status_code == 200
    meta = FormMeta.decode(page2["view"]["private_metadata"])
    assert meta is not None

    def abandoned() -> bool:
        saved = server.advisor.form_session(meta.key("U1"))
        return saved is not None and saved.status.value == "abandoned"

    wait_until(abandoned, "the form session was not abandoned")
    saved = server.advisor.form_session(meta.key("U1"))
    assert saved is not None and saved.data == {}
    assert submit(server, page2["view"], ANSWERS)["response_action"] == "clear"
    assert server.advisor.use_cases() == []


def test_someone_else_cannot_continue_a_form(start_server: Callable[[], Server]) -> None:
    server = start_server()
    first = open_form(server)
    page2 = submit(server, first, ANSWERS)
    # Another user's session key differs: their submission starts at page 1, not at page 2.
    stranger = submit(server, page2["view"], ANSWERS, user="U2")
    assert stranger["response_action"] == "update"
    assert inputs(stranger["view"]) == ["title", "origin"]
