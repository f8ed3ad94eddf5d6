"""Follow-ups after a verdict: posted once in the thread, answered there by the proposer."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_double import BOT_TOKEN, Server, block_actions, message_event

from advisor import PilotStatus, Platform, Proposal
from bot.jobs.follow_ups import post_due_follow_ups
from bot.service import Place, Proposer
from bot.slack.posting import SlackFollowUpPoster, make_slack_client
from storage import make_engine, make_session_factory
from storage.digest_queries import digest_data

ROOT = "1700000000.000100"


def store(server: Server, title: str = "Churn radar", proposer: str = "U1ABC") -> int:
    place = Place(platform=Platform.SLACK, workspace_id="T1", channel_id="C1", thread_id=ROOT)
    use_case = server.advisor.store_proposal(
        Proposal(title=title), proposer=Proposer(id=proposer), place=place
    )
    return int(use_case.id)


def run(server: Server, days: int = 31) -> list[int]:
    client = make_slack_client(BOT_TOKEN, server.slack.url)
    now = datetime.now(UTC) + timedelta(days=days)
    work = server.advisor.scheduled_work()
    return post_due_follow_ups(work, SlackFollowUpPoster(client), platform=Platform.SLACK, now=now)


def follow_up_posts(server: Server) -> list[dict[str, Any]]:
    return [
        call.args
        for call in server.slack.calls("chat.postMessage")
        if "follow-up" in str(call.args.get("text"))
    ]


def blocks_of(args: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = args["blocks"]
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


def wait_for_history(server: Server, use_case_id: int, length: int) -> None:
    deadline = time.monotonic() + 10
    while len(server.advisor.history(use_case_id)) < length:
        assert time.monotonic() < deadline, "the answer was not applied"
        time.sleep(0.02)


def test_the_job_posts_once_in_the_use_cases_thread(start_server: Callable[[], Server]) -> None:
    server = start_server()
    store(server)
    assert run(server, days=29) == []
    assert len(run(server)) == 1
    [posted] = follow_up_posts(server)
    assert posted["channel"] == "C1" and posted["thread_ts"] == ROOT
    blocks = blocks_of(posted)
    assert blocks[0]["text"]["text"].startswith("<@U1ABC>, a 30d follow-up on *Churn radar*")
    assert "Did it start?" in blocks[0]["text"]["text"]
    buttons = [element["action_id"] for element in blocks[1]["elements"]]
    assert buttons == [f"mlops_followup:{status.value}" for status in PilotStatus]
    assert run(server) == []
    assert len(follow_up_posts(server)) == 1


def test_hostile_text_is_neutralised(start_server: Callable[[], Server]) -> None:
    server = start_server()
    store(server, title="<!channel> see <https://evil.example|here> <@U999>", proposer="<!here>")
    run(server)
    [posted] = follow_up_posts(server)
    text = blocks_of(posted)[0]["text"]["text"]
    assert "<!channel>" not in text and "<!here>" not in text and "<@U999>" not in text
    assert "<https://" not in text
    assert text.startswith("Hello, a 30d follow-up")


def test_the_proposers_button_sets_the_pilot_status_and_reassesses(
    start_server: Callable[[], Server],
) -> None:
    server = start_server()
    use_case_id = store(server)
    run(server)
    # Someone else's click changes nothing.
    other = block_actions(
        "mlops_followup:live", "live", channel="C1", thread_ts=ROOT, user_id="U2ABC"
    )
    assert server.post(other).status_code == 200
    time.sleep(0.3)
    assert len(server.advisor.history(use_case_id)) == 1
    click = block_actions(
        "mlops_followup:live", "live", channel="C1", thread_ts=ROOT, user_id="U1ABC"
    )
    assert server.post(click).status_code == 200
    wait_for_history(server, use_case_id, 2)
    use_case = server.advisor.use_case(use_case_id)
    assert use_case.proposal.pilot_status is PilotStatus.LIVE
    deadline = time.monotonic() + 5
    while not any("recorded" in str(c.args.get("text")) for c in server.slack.calls()):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    # The follow-up is answered: a second click changes nothing.
    server.post(block_actions("mlops_followup:stalled", "stalled", thread_ts=ROOT, user_id="U1ABC"))
    time.sleep(0.3)
    assert len(server.advisor.history(use_case_id)) == 2


def test_a_typed_answer_goes_to_the_notes_and_reassesses(
    start_server: Callable[[], Server],
) -> None:
    server = start_server()
    use_case_id = store(server)
    # Before the follow-up is posted, the thread does not listen.
    server.post(message_event("too early", thread_ts=ROOT, user="U1ABC"))
    server.settled()
    run(server)
    server.post(message_event("I am not the proposer", thread_ts=ROOT, user="U2ABC"))
    time.sleep(0.3)
    assert len(server.advisor.history(use_case_id)) == 1
    reply = "Live since May, Ana runs it &amp; it saves €40k a year"
    assert server.post(message_event(reply, thread_ts=ROOT, user="U1ABC")).status_code == 200
    wait_for_history(server, use_case_id, 2)
    notes = server.advisor.use_case(use_case_id).proposal.notes
    assert notes is not None and "Ana runs it & it saves €40k a year" in notes
    assert notes.startswith("Follow-up ") and "realised value: €40,000 per year" in notes
    assert "too early" not in notes and "not the proposer" not in notes
    # The proposal had no operating plan: the reply, which says who runs it, becomes one.
    plan = server.advisor.use_case(use_case_id).proposal.operating_plan
    assert plan == "Live since May, Ana runs it & it saves €40k a year"


def test_an_unanswered_follow_up_lands_in_purgatory(
    start_server: Callable[[], Server], migrated_url: str
) -> None:
    server = start_server()
    use_case_id = store(server)
    run(server)
    posted_at = datetime.now(UTC) + timedelta(days=31)
    engine = make_engine(migrated_url)
    with make_session_factory(engine)() as session:
        week = digest_data(
            session, period_start=posted_at, period_end=posted_at + timedelta(days=6)
        )
        later = digest_data(
            session, period_start=posted_at, period_end=posted_at + timedelta(days=8)
        )
    engine.dispose()
    assert week.purgatory_count == 0
    assert later.purgatory_count == 1
    assert [item.use_case_id for item in later.purgatory] == [use_case_id]
