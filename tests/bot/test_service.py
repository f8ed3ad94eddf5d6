"""The service: interviews saved after every answer, verdicts stored with them, replicas safe."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from slack_double import INTERVIEW_ANSWERS
from sqlalchemy.engine import make_url

import bot.service.advisor
from advisor import Ask, Done, Platform, Tier, advance, parse_proposal
from bot.bootstrap import DatabaseNotReadyError, open_advisor
from bot.service import Advisor, Place, Proposer
from storage import make_engine, make_session_factory

ANSWERS = INTERVIEW_ANSWERS
WHO = Proposer(id="U1", name="Ana")
WHERE = Place(platform=Platform.SLACK, workspace_id="T1", channel_id="C1", thread_id="1.0")


@pytest.fixture
def advisor_on(database_url: str) -> Iterator[Callable[[], Advisor]]:
    """Opens advisors on the test database, like replicas, and closes them afterwards."""
    opened: list[Advisor] = []

    def open_one() -> Advisor:
        opened.append(open_advisor(database_url, upgrade_schema=True))
        return opened[-1]

    yield open_one
    for advisor in opened:
        advisor.close()


def test_a_whole_interview_stores_the_use_case_with_its_verdict(
    advisor_on: Callable[[], Advisor],
) -> None:
    advisor = advisor_on()
    assert isinstance(advisor.current("k"), Ask)
    for answer in ANSWERS[:-1]:
        turn = advisor.answer("k", answer, proposer=WHO, place=WHERE)
        assert not isinstance(turn.step, Done)
        assert turn.use_case is None
    turn = advisor.answer("k", ANSWERS[-1], proposer=WHO, place=WHERE)
    assert isinstance(turn.step, Done)
    stored = turn.use_case
    assert stored is not None and stored.latest is not None
    assert stored.proposal.annual_value_eur == 300_000
    assert stored.proposal.retraining.value == "monthly"
    assert stored.latest.assessment.tier is Tier.LIGHTWEIGHT
    assert (stored.proposer_id, stored.platform, stored.thread_id) == ("U1", Platform.SLACK, "1.0")
    assert [case.id for case in advisor.use_cases()] == [stored.id]


def test_every_answer_is_saved_so_another_replica_carries_on(
    advisor_on: Callable[[], Advisor],
) -> None:
    first, second = advisor_on(), advisor_on()
    for answer in ANSWERS[:5]:
        first.answer("k", answer, proposer=WHO, place=WHERE)
    resumed = second.current("k")
    assert isinstance(resumed, Ask)
    assert resumed.question.id == "annual_value"
    assert len(resumed.state.history) == 5
    for answer in ANSWERS[5:]:
        turn = second.answer("k", answer, proposer=WHO, place=WHERE)
    assert turn.use_case is not None
    assert turn.use_case.title == ANSWERS[0]


def test_cancel_keeps_nothing_and_the_next_message_starts_afresh(
    advisor_on: Callable[[], Advisor],
) -> None:
    advisor = advisor_on()
    advisor.answer("k", ANSWERS[0], proposer=WHO, place=WHERE)
    turn = advisor.answer("k", "cancel", proposer=WHO, place=WHERE)
    assert turn.step.kind == "cancelled"
    assert advisor.use_cases() == []
    fresh = advisor.current("k")
    assert isinstance(fresh, Ask) and fresh.question.id == "title"


def test_after_a_verdict_the_same_key_starts_a_new_interview(
    advisor_on: Callable[[], Advisor],
) -> None:
    advisor = advisor_on()
    for answer in ANSWERS:
        advisor.answer("k", answer, proposer=WHO, place=WHERE)
    again = advisor.current("k")
    assert isinstance(again, Ask) and again.question.id == "title"
    assert not again.state.history


def test_two_replicas_answering_at_once_both_count(
    advisor_on: Callable[[], Advisor], monkeypatch: pytest.MonkeyPatch
) -> None:
    slow, fast = advisor_on(), advisor_on()
    slow.answer("k", ANSWERS[0], proposer=WHO, place=WHERE)
    interleaved: list[str] = []

    def advance_while_another_replica_answers(*args: Any, **kwargs: Any) -> Any:
        if not interleaved:
            interleaved.append("once")
            # The other replica saves its answer between this one's read and its write.
            fast.answer("k", "our team struggles", proposer=WHO, place=WHERE)
        return advance(*args, **kwargs)

    monkeypatch.setattr(bot.service.advisor, "advance", advance_while_another_replica_answers)
    turn = slow.answer("k", ANSWERS[2], proposer=WHO, place=WHERE)
    # The slow replica's answer was re-applied to the fast one's state: nothing lost, in order.
    assert isinstance(turn.step, Ask) and turn.step.question.id == "business_owner"
    assert list(turn.step.state.history) == ["title", "origin", "problem"]


def test_of_two_replicas_pressing_one_button_at_once_only_the_first_counts(
    advisor_on: Callable[[], Advisor], monkeypatch: pytest.MonkeyPatch
) -> None:
    slow, fast = advisor_on(), advisor_on()
    slow.answer("k", ANSWERS[0], proposer=WHO, place=WHERE)
    origin = slow.current("k").state.position
    assert origin is not None and origin.question == "origin"
    interleaved: list[str] = []

    def advance_while_another_replica_presses(*args: Any, **kwargs: Any) -> Any:
        if not interleaved:
            interleaved.append("once")
            # The same press reaches the other replica, which saves between this one's read
            # (where the button was still current) and its write.
            fast.answer_button("k", "business_need", at=origin, proposer=WHO, place=WHERE)
        return advance(*args, **kwargs)

    monkeypatch.setattr(bot.service.advisor, "advance", advance_while_another_replica_presses)
    # "Not sure" on the same card: retried on the winner's state, it must not answer `problem`.
    assert slow.answer_button("k", "unknown", at=origin, proposer=WHO, place=WHERE) is None
    state = slow.current("k").state
    assert state.answers == {"title": ANSWERS[0], "origin": "business_need"}
    assert state.current == "problem"


def test_a_button_of_an_earlier_interview_under_the_same_key_is_stale(
    advisor_on: Callable[[], Advisor],
) -> None:
    advisor = advisor_on()
    advisor.answer("k", ANSWERS[0], proposer=WHO, place=WHERE)
    cancelled_origin = advisor.current("k").state.position
    advisor.answer("k", "cancel", proposer=WHO, place=WHERE)
    # A Teams chat keeps one key for every check in it: the next one asks `origin` again.
    advisor.current("k")
    advisor.answer("k", "Second check", proposer=WHO, place=WHERE)
    again = advisor.current("k").state.position
    assert again is not None and again.question == "origin" and again != cancelled_origin
    pressed = advisor.answer_button(
        "k", "vendor_pitch", at=cancelled_origin, proposer=WHO, place=WHERE
    )
    assert pressed is None
    turn = advisor.answer_button("k", "business_need", at=again, proposer=WHO, place=WHERE)
    assert turn is not None and turn.step.state.answers["origin"] == "business_need"
    # No position (a button posted before buttons carried one): the open question takes it.
    turn = advisor.answer_button("k", "skip", at=None, proposer=WHO, place=WHERE)
    assert turn is not None and "problem" in turn.step.state.answers


def test_import_and_delete(advisor_on: Callable[[], Advisor]) -> None:
    advisor = advisor_on()
    proposals = [parse_proposal({"title": f"Use case {n}"}) for n in range(3)]
    ids = advisor.import_proposals(proposals, actor="cli:test")
    assert [case.title for case in advisor.use_cases()] == [
        "Use case 2",
        "Use case 1",
        "Use case 0",
    ]
    assert advisor.delete(ids[1], actor="cli:test")
    assert advisor.use_case(ids[1]) is None
    assert not advisor.delete(ids[1], actor="cli:test")


def test_a_server_database_behind_the_schema_is_not_upgraded_silently(database_url: str) -> None:
    if make_url(database_url).get_backend_name() == "sqlite":
        # The embedded file belongs to this installation: it is brought up to date on open.
        with open_advisor(database_url) as advisor:
            assert advisor.use_cases() == []
        return
    with pytest.raises(DatabaseNotReadyError, match="mlops-advisor db upgrade"):
        open_advisor(database_url)


def test_only_a_waiting_interview_is_active(advisor_on: Callable[[], Advisor]) -> None:
    advisor = advisor_on()
    assert not advisor.is_active("k")
    advisor.current("k")
    assert advisor.is_active("k")
    advisor.answer("k", "cancel", proposer=WHO, place=WHERE)
    assert not advisor.is_active("k")
    for answer in ANSWERS:
        advisor.answer("other", answer, proposer=WHO, place=WHERE)
    assert not advisor.is_active("other")


def test_an_event_is_delivered_once_across_replicas(advisor_on: Callable[[], Advisor]) -> None:
    first, second = advisor_on(), advisor_on()
    assert first.first_delivery("Ev1")
    assert not second.first_delivery("Ev1")
    assert second.first_delivery("Ev2")


def test_ping_says_whether_the_database_answers(advisor_on: Callable[[], Advisor]) -> None:
    advisor = advisor_on()
    assert advisor.ping()
    advisor.close()
    # Port 9 on loopback: nothing listens there, so the connection is refused at once.
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2")
    with Advisor(make_session_factory(engine), on_close=engine.dispose) as broken:
        assert not broken.ping()
