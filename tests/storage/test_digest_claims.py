"""Digest subscriptions and the once-only claims on their periods, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta

import pytest

from advisor.schedule import Cadence, ScheduleError
from storage import (
    claim_period,
    get_claim,
    list_subscriptions,
    make_session_factory,
    mark_posted,
    skip_period,
    subscribe,
    unsubscribe,
)

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
STALE = timedelta(minutes=10)


def add(session, channel="C123", workspace=None, **changes):
    values = {
        "channel_id": channel,
        "cadence": Cadence.WEEKLY,
        "day": 0,
        "at": time(9, 0),
        "tz": "Europe/Amsterdam",
        "now": NOW,
        "workspace_id": workspace,
        **changes,
    }
    return subscribe(session, **values)


def test_subscribe_stores_and_lists_the_schedule(session):
    created = add(session, grace=timedelta(hours=6))
    session.commit()

    [listed] = list_subscriptions(session)

    assert listed == created
    assert listed.channel_id == "C123"
    assert listed.workspace_id is None
    assert listed.cadence == Cadence.WEEKLY
    assert listed.time == time(9, 0)
    assert listed.tz == "Europe/Amsterdam"
    assert listed.grace == timedelta(hours=6)
    assert listed.created_at == NOW


def test_subscribing_again_changes_the_schedule_of_the_same_subscription(session):
    first = add(session)
    second = add(session, cadence=Cadence.MONTHLY, day=4, tz="UTC", now=NOW + timedelta(days=1))
    session.commit()

    assert second.id == first.id
    assert second.created_at == NOW
    assert [s.cadence for s in list_subscriptions(session)] == [Cadence.MONTHLY]


def test_one_subscription_per_channel_and_workspace(session):
    add(session, "C1")
    add(session, "C1", workspace="T1")
    add(session, "C1", workspace="T2")
    add(session, "C1")
    session.commit()
    assert len(list_subscriptions(session)) == 3


def test_invalid_values_are_refused_before_writing(session):
    with pytest.raises(ScheduleError, match="unknown time zone"):
        add(session, tz="Nowhere/Special")
    with pytest.raises(ScheduleError, match="channel id"):
        add(session, "general")
    assert list_subscriptions(session) == []


def test_unsubscribe_removes_the_subscription_and_its_claims(session):
    sub = add(session)
    claim_period(session, sub.id, "2026-03-02", NOW, "a", stale_after=STALE)
    session.commit()

    assert unsubscribe(session, "C123")
    assert not unsubscribe(session, "C123")
    session.commit()
    assert list_subscriptions(session) == []
    assert get_claim(session, sub.id, "2026-03-02") is None


def test_a_period_is_claimed_once(session):
    sub = add(session)
    first = claim_period(session, sub.id, "2026-03-02", NOW, "a", stale_after=STALE)
    session.commit()

    again = claim_period(session, sub.id, "2026-03-02", NOW, "b", stale_after=STALE)
    other_period = claim_period(session, sub.id, "2026-03-09", NOW, "b", stale_after=STALE)

    assert first is not None
    assert first.claimed_by == "a"
    assert first.posted_at is None
    assert again is None
    assert other_period is not None


def test_a_fresh_claim_is_held_and_a_stale_one_taken_over(session):
    sub = add(session)
    first = claim_period(session, sub.id, "2026-03-02", NOW, "crashed", stale_after=STALE)
    session.commit()
    assert first is not None

    soon = claim_period(session, sub.id, "2026-03-02", NOW + STALE, "b", stale_after=STALE)
    later = NOW + STALE + timedelta(seconds=1)
    taken = claim_period(session, sub.id, "2026-03-02", later, "b", stale_after=STALE)
    session.commit()

    assert soon is None
    assert taken is not None
    assert taken.id == first.id
    assert taken.claimed_by == "b"
    assert taken.claimed_at == later
    # Taken over just now: it is fresh again for everyone else.
    assert claim_period(session, sub.id, "2026-03-02", later, "c", stale_after=STALE) is None


def test_a_posted_claim_is_never_taken_over(session):
    sub = add(session)
    claim = claim_period(session, sub.id, "2026-03-02", NOW, "a", stale_after=STALE)
    assert claim is not None
    posted = mark_posted(session, claim, NOW + timedelta(seconds=3), "1700000000.000100")
    session.commit()

    assert posted is not None
    assert posted.posted_at == NOW + timedelta(seconds=3)
    assert posted.message_ts == "1700000000.000100"
    assert posted.done
    much_later = NOW + timedelta(days=1)
    assert claim_period(session, sub.id, "2026-03-02", much_later, "b", stale_after=STALE) is None
    assert skip_period(session, sub.id, "2026-03-02", much_later, "b", stale_after=STALE) is None
    assert mark_posted(session, claim, much_later, "again") is None
    assert get_claim(session, sub.id, "2026-03-02") == posted


def test_a_skip_is_recorded_once_and_ends_the_period(session):
    sub = add(session)
    skipped = skip_period(session, sub.id, "2026-03-02", NOW, "a", stale_after=STALE)
    session.commit()

    assert skipped is not None
    assert skipped.skipped_at == NOW
    assert skipped.done
    assert skip_period(session, sub.id, "2026-03-02", NOW, "b", stale_after=STALE) is None
    later = NOW + timedelta(hours=1)
    assert claim_period(session, sub.id, "2026-03-02", later, "b", stale_after=STALE) is None


def test_an_abandoned_claim_too_late_to_post_is_skipped(session):
    sub = add(session)
    claim_period(session, sub.id, "2026-03-02", NOW, "crashed", stale_after=STALE)
    session.commit()
    later = NOW + timedelta(days=2)

    skipped = skip_period(session, sub.id, "2026-03-02", later, "b", stale_after=STALE)

    assert skipped is not None
    assert skipped.skipped_at == later


def test_claims_refuse_naive_datetimes(session):
    sub = add(session)
    with pytest.raises(ValueError, match="naive"):
        claim_period(session, sub.id, "k", datetime(2026, 3, 2, 9), "a", stale_after=STALE)


def test_concurrent_claims_from_two_engines_let_one_in(database, engine):
    """Two replicas (separate engines and connections) claim the same period at once."""
    with make_session_factory(engine).begin() as session:
        sub = add(session)
    factories = [make_session_factory(database.engine()) for _ in range(2)]
    barrier = threading.Barrier(len(factories))
    results: list[object] = []
    errors: list[BaseException] = []

    def claim(factory, name):
        try:
            with factory() as session:
                session.connection()  # open the connection before the race
                barrier.wait()
                result = claim_period(session, sub.id, "2026-03-02", NOW, name, stale_after=STALE)
                session.commit()
                results.append(result)
        except BaseException as error:
            errors.append(error)

    threads = [
        threading.Thread(target=claim, args=(factory, f"r{n}"))
        for n, factory in enumerate(factories)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(results) == 2
    assert sum(result is not None for result in results) == 1


def test_concurrent_takeovers_of_a_stale_claim_let_one_in(database, engine):
    with make_session_factory(engine).begin() as session:
        sub = add(session)
        claim_period(session, sub.id, "2026-03-02", NOW, "crashed", stale_after=STALE)
    later = NOW + timedelta(minutes=30)
    factories = [make_session_factory(database.engine()) for _ in range(3)]
    barrier = threading.Barrier(len(factories))
    results: list[object] = []
    errors: list[BaseException] = []

    def take(factory, name):
        try:
            with factory() as session:
                session.connection()
                barrier.wait()
                result = claim_period(session, sub.id, "2026-03-02", later, name, stale_after=STALE)
                session.commit()
                results.append(result)
        except BaseException as error:
            errors.append(error)

    threads = [
        threading.Thread(target=take, args=(factory, f"r{n}"))
        for n, factory in enumerate(factories)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sum(result is not None for result in results) == 1
