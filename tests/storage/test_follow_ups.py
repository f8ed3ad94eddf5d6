"""Follow-ups on verdicts: which are due, and the once-only claim, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from advisor import DEFAULT, Platform, Proposal, UseCaseStatus, assess
from storage import add_assessment, create_use_case
from storage.follow_up_repository import (
    DueFollowUp,
    claim_follow_up,
    due_follow_ups,
    mark_follow_up_posted,
    open_follow_up,
    record_follow_up_answer,
)

VERDICT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
STALE = timedelta(minutes=10)
DAYS = (30, 90)


def add(session, *, platform=Platform.SLACK, thread="1700000000.000100", verdict=True):
    proposal = Proposal(title="Churn radar")
    created = create_use_case(
        session,
        proposal,
        now=VERDICT,
        proposer_id="U1",
        platform=platform,
        workspace_id="T1",
        channel_id="C1" if thread else None,
        thread_id=thread,
        status=UseCaseStatus.ASSESSED,
    )
    if verdict:
        add_assessment(session, created.id, assess(proposal, DEFAULT), DEFAULT.version, VERDICT)
    return created.id


def due(session, now):
    return due_follow_ups(session, now, days=DAYS, stale_after=STALE)


def test_follow_ups_fall_due_after_each_policy_day(session):
    slack = add(session)
    add(session, platform=Platform.CLI, thread=None)
    add(session, thread=None)
    add(session, verdict=False)
    assert due(session, VERDICT + timedelta(days=29, hours=23)) == []
    assert due(session, VERDICT + timedelta(days=30)) == [
        DueFollowUp(slack, "30d", VERDICT + timedelta(days=30))
    ]
    # Past 90 days only the latest is due: nobody gets two follow-ups at once.
    assert [d.due_key for d in due(session, VERDICT + timedelta(days=100))] == ["90d"]


def test_a_follow_up_is_claimed_once_and_not_due_once_posted(session):
    add(session)
    now = VERDICT + timedelta(days=31)
    [item] = due(session, now)
    claim = claim_follow_up(session, item, now, stale_after=STALE)
    assert claim is not None and claim.posted_at is None
    assert claim_follow_up(session, item, now, stale_after=STALE) is None
    assert due(session, now) == []  # a fresh claim is held
    # An abandoned claim is taken over after stale_after, once.
    later = now + STALE + timedelta(seconds=1)
    assert due(session, later) == [item]
    taken = claim_follow_up(session, item, later, stale_after=STALE)
    assert taken is not None and taken.id == claim.id
    assert claim_follow_up(session, item, later, stale_after=STALE) is None
    assert mark_follow_up_posted(session, taken.id, later, "1700000500.000001")
    assert not mark_follow_up_posted(session, taken.id, later, "again")
    much_later = later + timedelta(days=5)
    assert due(session, much_later) == []
    assert claim_follow_up(session, item, much_later, stale_after=STALE) is None


def test_the_first_answer_closes_an_open_follow_up(session):
    use_case_id = add(session)
    now = VERDICT + timedelta(days=31)
    [item] = due(session, now)
    claim = claim_follow_up(session, item, now, stale_after=STALE)
    assert claim is not None
    assert open_follow_up(session, channel_id="C1", thread_id="1700000000.000100") is None
    mark_follow_up_posted(session, claim.id, now, "1700000500.000001")
    found = open_follow_up(session, channel_id="C1", thread_id="1700000000.000100")
    assert found is not None and found.use_case_id == use_case_id
    assert record_follow_up_answer(session, claim.id, "live", now)
    assert not record_follow_up_answer(session, claim.id, "stalled", now)
    assert open_follow_up(session, channel_id="C1", thread_id="1700000000.000100") is None
