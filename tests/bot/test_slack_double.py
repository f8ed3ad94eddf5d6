"""The Slack Web API double and the signed-request builders behave like Slack."""

from __future__ import annotations

import json
import threading
import time
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_double import (
    BOT_TOKEN,
    SIGNING_SECRET,
    SlackApiDouble,
    app_home_opened,
    block_actions,
    message_event,
    sign,
    slash_command,
    view_submission,
)
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.models.blocks import ActionsBlock, ButtonElement, SectionBlock
from slack_sdk.models.metadata import Metadata
from slack_sdk.signature import SignatureVerifier


def client(double: SlackApiDouble, **kwargs: Any) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=double.url, **kwargs)


# --- the Web API double ------------------------------------------------------------------------


def test_post_message_with_blocks_and_metadata_is_recorded_parsed(slack_api):
    blocks = [
        SectionBlock(text="*Verdict*: keep it simple"),
        ActionsBlock(elements=[ButtonElement(text="Why?", action_id="why", value="p-1")]),
    ]
    metadata = Metadata(event_type="assessment_posted", event_payload={"proposal_id": "p-1"})

    response = client(slack_api).chat_postMessage(
        channel="C1", text="Verdict", blocks=blocks, metadata=metadata, thread_ts="1.2"
    )

    assert response["ok"] is True
    assert response["channel"] == "C1"
    assert response["ts"] == "1700000000.000100"
    assert response["message"]["thread_ts"] == "1.2"
    (call,) = slack_api.calls("chat.postMessage")
    assert call.token == BOT_TOKEN
    assert call.headers["authorization"] == f"Bearer {BOT_TOKEN}"
    assert call.args["blocks"][0] == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "*Verdict*: keep it simple"},
    }
    assert call.args["blocks"][1]["elements"][0]["action_id"] == "why"
    assert call.args["metadata"] == {
        "event_type": "assessment_posted",
        "event_payload": {"proposal_id": "p-1"},
    }


def test_form_encoded_json_arguments_are_decoded(slack_api):
    blocks = [{"type": "divider"}]
    client(slack_api).api_call(
        "chat.postMessage",
        params={"channel": "C1", "text": "x", "blocks": json.dumps(blocks)},
    )
    (call,) = slack_api.calls("chat.postMessage")
    assert call.headers["content-type"] == "application/x-www-form-urlencoded"
    assert call.args == {"channel": "C1", "text": "x", "blocks": blocks}


def test_ts_increase_and_calls_keep_their_order(slack_api):
    web = client(slack_api)
    first = web.chat_postMessage(channel="C1", text="one")["ts"]
    web.auth_test()
    second = web.chat_postMessage(channel="C1", text="two")["ts"]

    assert float(second) > float(first)
    assert [c.method for c in slack_api.calls()] == [
        "chat.postMessage",
        "auth.test",
        "chat.postMessage",
    ]


def test_answers_the_methods_the_app_uses(slack_api):
    web = client(slack_api)

    auth = web.auth_test()
    assert (auth["user_id"], auth["bot_id"], auth["team_id"]) == ("UBOT", "BBOT", "T1")
    updated = web.chat_update(channel="C1", ts="1700000000.000100", text="new")
    assert updated["ts"] == "1700000000.000100"
    assert web.chat_postEphemeral(channel="C1", user="U1", text="psst")["message_ts"]
    opened = web.views_open(trigger_id="t", view={"type": "modal", "callback_id": "propose"})
    view_id = opened["view"]["id"]
    assert opened["view"]["callback_id"] == "propose"
    assert web.views_update(view_id=view_id, view={"type": "modal"})["view"]["id"] == view_id
    home = web.views_publish(user_id="U1", view={"type": "home", "blocks": []})
    assert home["view"]["type"] == "home"
    assert home["view"]["id"]
    assert web.conversations_info(channel="C1")["channel"]["is_member"] is True
    permalink = web.chat_getPermalink(channel="C1", message_ts="1700000000.000100")
    assert permalink["permalink"] == "https://example.slack.com/archives/C1/p1700000000000100"
    assert web.users_info(user="U1")["user"]["id"] == "U1"

    assert slack_api.calls("chat.getPermalink")[0].args["message_ts"] == "1700000000.000100"


def test_channels_and_users_can_be_described(slack_api):
    slack_api.channels["G1"] = {"is_private": True, "is_member": False}
    slack_api.users["U7"] = {"tz": "Asia/Tokyo"}
    web = client(slack_api)

    assert web.conversations_info(channel="G1")["channel"]["is_private"] is True
    assert web.users_info(user="U7")["user"]["tz"] == "Asia/Tokyo"


def test_unknown_method_answers_like_slack(slack_api):
    with pytest.raises(SlackApiError) as raised:
        client(slack_api).api_call("reactions.add", json={"name": "eyes"})
    assert raised.value.response.status_code == 200
    assert raised.value.response["error"] == "unknown_method"
    assert slack_api.calls("reactions.add")[0].args == {"name": "eyes"}


def test_missing_token_is_not_authed(slack_api):
    with pytest.raises(SlackApiError) as raised:
        WebClient(base_url=slack_api.url).auth_test()
    assert raised.value.response["error"] == "not_authed"


def test_programmed_error_raises_in_the_client_then_passes(slack_api):
    slack_api.fail_next("chat.postMessage", "not_in_channel")
    web = client(slack_api)

    with pytest.raises(SlackApiError) as raised:
        web.chat_postMessage(channel="G1", text="hello")
    assert raised.value.response["error"] == "not_in_channel"
    assert web.chat_postMessage(channel="G1", text="hello")["ok"] is True
    assert [c.response["ok"] for c in slack_api.calls("chat.postMessage")] == [False, True]


def test_programmed_errors_are_per_method_and_counted(slack_api):
    slack_api.fail_next("chat.update", "message_not_found", times=2)
    web = client(slack_api)

    assert web.chat_postMessage(channel="C1", text="x")["ok"] is True
    for _ in range(2):
        with pytest.raises(SlackApiError):
            web.chat_update(channel="C1", ts="1.1", text="y")
    assert web.chat_update(channel="C1", ts="1.1", text="y")["ok"] is True


def test_rate_limit_is_retried_by_the_retry_handler(slack_api):
    slack_api.rate_limit_next("chat.postMessage", retry_after=0)
    web = client(slack_api, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])

    response = web.chat_postMessage(channel="C1", text="hello")

    assert response["ok"] is True
    calls = slack_api.calls("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]
    assert calls[0].args == calls[1].args


def test_rate_limit_without_retry_handler_raises(slack_api):
    slack_api.rate_limit_next("chat.postMessage")
    with pytest.raises(SlackApiError) as raised:
        client(slack_api).chat_postMessage(channel="C1", text="hello")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "0"


def test_server_error_is_retried_by_the_server_error_handler(slack_api):
    slack_api.server_error_next("views.publish")
    web = client(slack_api, retry_handlers=[ServerErrorRetryHandler(max_retry_count=1)])

    assert web.views_publish(user_id="U1", view={"type": "home"})["ok"] is True
    assert [c.status for c in slack_api.calls("views.publish")] == [500, 200]


def test_set_reply_replaces_the_default_answer(slack_api):
    slack_api.set_reply("auth.test", {"ok": False, "error": "invalid_auth"})
    with pytest.raises(SlackApiError):
        client(slack_api).auth_test()
    slack_api.set_reply("auth.test", None)
    assert client(slack_api).auth_test()["ok"] is True


def test_wait_for_sees_calls_made_after_the_ack(slack_api):
    web = client(slack_api)
    worker = threading.Thread(
        target=lambda: [web.chat_postMessage(channel="C1", text=str(i)) for i in range(3)]
    )
    worker.start()
    try:
        calls = slack_api.wait_for("chat.postMessage", count=3, timeout=5)
    finally:
        worker.join()
    assert [c.args["text"] for c in calls] == ["0", "1", "2"]


def test_wait_for_times_out_with_what_it_saw(slack_api):
    client(slack_api).auth_test()
    with pytest.raises(AssertionError, match=r"chat.postMessage.*\['auth.test'\]"):
        slack_api.wait_for("chat.postMessage", timeout=0.05)


def test_reset_forgets_calls_and_programs(slack_api):
    slack_api.fail_next("auth.test", "invalid_auth")
    client(slack_api).users_info(user="U1")
    slack_api.reset()
    assert slack_api.calls() == []
    assert client(slack_api).auth_test()["ok"] is True


def test_stop_is_clean_and_idempotent():
    double = SlackApiDouble().start()
    url = double.url
    WebClient(token=BOT_TOKEN, base_url=url).auth_test()
    double.stop()
    double.stop()
    with pytest.raises(RuntimeError):
        _ = double.url


def test_slack_env_points_the_environment_at_the_double(slack_env, monkeypatch):
    import os

    assert os.environ["SLACK_API_URL"] == slack_env.url
    assert os.environ["SLACK_BOT_TOKEN"] == BOT_TOKEN
    assert os.environ["SLACK_SIGNING_SECRET"] == SIGNING_SECRET
    assert "SLACK_CLIENT_ID" not in os.environ


# --- signatures --------------------------------------------------------------------------------


def test_signature_verifies_with_slack_sdk():
    body = b"command=%2Fadvisor&text=hello"
    headers = sign(body, SIGNING_SECRET)
    ts, signature = headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]

    verifier = SignatureVerifier(SIGNING_SECRET)
    assert verifier.is_valid(body, ts, signature)
    assert verifier.is_valid_request(body, headers)


def test_tampered_body_fails_verification():
    headers = sign(b"text=hello", SIGNING_SECRET)
    assert not SignatureVerifier(SIGNING_SECRET).is_valid(
        b"text=hellO", headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )


def test_wrong_secret_fails_verification():
    headers = sign(b"text=hello", "another-secret")
    assert not SignatureVerifier(SIGNING_SECRET).is_valid_request(b"text=hello", headers)


def test_stale_timestamp_fails_verification():
    body = b"text=hello"
    stale = int(time.time()) - 5 * 60 - 1
    headers = sign(body, SIGNING_SECRET, timestamp=stale)
    assert headers["X-Slack-Request-Timestamp"] == str(stale)
    assert not SignatureVerifier(SIGNING_SECRET).is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )


def test_fixed_timestamp_gives_a_known_signature():
    # Slack's documented example: https://api.slack.com/authentication/verifying-requests-from-slack
    body = (
        b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&"
        b"channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&"
        b"command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2F"
        b"commands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&"
        b"trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    headers = sign(body, "8f742231b10e8888abcd99yyyzzz85a5", timestamp=1531420618)
    assert headers["X-Slack-Signature"] == (
        "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    )


# --- payload builders --------------------------------------------------------------------------


def verified(request) -> bool:
    return SignatureVerifier(SIGNING_SECRET).is_valid_request(request.body, request.headers())


def test_slash_command_is_form_encoded_and_signed():
    request = slash_command("/advisor", "assess churn model", user_id="U9", channel_id="C9")

    fields = {k: v[0] for k, v in parse_qs(request.text, keep_blank_values=True).items()}
    assert fields["command"] == "/advisor"
    assert fields["text"] == "assess churn model"
    assert (fields["user_id"], fields["channel_id"], fields["team_id"]) == ("U9", "C9", "T1")
    assert fields["trigger_id"] and fields["response_url"].startswith("https://hooks.slack.com/")
    assert request.content_type == "application/x-www-form-urlencoded"
    assert request.headers()["Content-Type"] == request.content_type
    assert verified(request)


def test_message_event_in_a_thread_with_retry_headers():
    request = message_event("what about drift?", channel="C2", thread_ts="1700000000.000100")

    envelope = json.loads(request.body)
    assert envelope["type"] == "event_callback"
    assert envelope["event_id"].startswith("Ev")
    event = envelope["event"]
    assert event["type"] == "message"
    assert (event["channel"], event["user"], event["text"]) == ("C2", "U1", "what about drift?")
    assert event["thread_ts"] == "1700000000.000100"
    assert event["channel_type"] == "channel"
    assert event["ts"]

    headers = request.headers(retry_num=2, retry_reason="http_timeout")
    assert headers["X-Slack-Retry-Num"] == "2"
    assert headers["X-Slack-Retry-Reason"] == "http_timeout"
    assert headers["Content-Type"] == "application/json"
    assert verified(request)


def test_redelivery_keeps_the_event_id():
    first = message_event("hi", event_id="Ev123", ts="1700000005.000001")
    again = message_event("hi", event_id="Ev123", ts="1700000005.000001")
    assert first.payload["event_id"] == again.payload["event_id"] == "Ev123"
    assert message_event("hi").payload["event_id"] != message_event("hi").payload["event_id"]


def test_bot_message_fields_pass_through():
    event = message_event("beep", bot_id="BBOT", subtype="bot_message", thread_ts=None)
    assert event.payload["event"]["bot_id"] == "BBOT"
    assert "thread_ts" not in event.payload["event"]


def test_app_home_opened():
    event = json.loads(app_home_opened("U3").body)["event"]
    assert event == {**event, "type": "app_home_opened", "user": "U3", "tab": "home"}


def test_block_actions_is_a_form_encoded_payload():
    request = block_actions(
        "why", "p-1", channel="C4", message_ts="1700000000.000200", thread_ts="1700000000.000100"
    )

    (raw,) = parse_qs(request.text)["payload"]
    payload = json.loads(raw)
    assert payload == request.payload
    assert payload["type"] == "block_actions"
    assert payload["actions"][0]["action_id"] == "why"
    assert payload["actions"][0]["value"] == "p-1"
    assert payload["container"]["channel_id"] == "C4"
    assert payload["container"]["message_ts"] == "1700000000.000200"
    assert payload["container"]["thread_ts"] == "1700000000.000100"
    assert payload["user"]["id"] == "U1"
    assert payload["trigger_id"]
    assert verified(request)


def test_view_submission_carries_state_and_metadata():
    values = {"title": {"input": {"type": "plain_text_input", "value": "Churn model"}}}
    request = view_submission("propose", values, private_metadata='{"channel": "C1"}')

    payload = json.loads(parse_qs(request.text)["payload"][0])
    assert payload["type"] == "view_submission"
    assert payload["view"]["callback_id"] == "propose"
    assert payload["view"]["private_metadata"] == '{"channel": "C1"}'
    assert payload["view"]["state"]["values"] == values
    assert verified(request)
