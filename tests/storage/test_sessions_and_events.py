"""Interview sessions resist concurrent writers; event ids are claimed once across replicas."""

from __future__ import annotations

import threading

import pytest

from advisor import SessionStatus, parse_proposal
from storage import (
    NEW_SESSION,
    StaleSessionError,
    StorageError,
    claim_event,
    create_use_case,
    delete_use_case,
    forget_events,
    load_session,
    save_session,
)
from storage.database import make_session_factory

KEY = "slack:T1:C1:1700000000.1:U1"


def test_a_new_session_starts_at_version_one_and_round_trips(session, clock):
    assert load_session(session, KEY) is None

    version = save_session(
        session, KEY, {"question": "title", "answers": {}}, NEW_SESSION, now=clock()
    )
    session.commit()

    assert version == 1
    assert load_session(session, KEY) == ({"question": "title", "answers": {}}, 1)


def test_each_save_moves_the_version_on(session, clock):
    version = save_session(session, KEY, {"step": 1}, NEW_SESSION, now=clock())
    version = save_session(session, KEY, {"step": 2}, version, now=clock.advance(seconds=1))
    version = save_session(session, KEY, {"step": 3}, version, now=clock.advance(seconds=1))

    assert load_session(session, KEY) == ({"step": 3}, 3)


def test_the_second_of_two_writers_with_the_same_version_is_stale(database, engine, clock):
    sessions = make_session_factory(engine)
    with sessions() as setup:
        save_session(setup, KEY, {"step": 1}, NEW_SESSION, now=clock())
        setup.commit()
    replica = make_session_factory(database.engine())

    with sessions() as first, replica() as second:
        _, version = load_session(first, KEY)
        _, same_version = load_session(second, KEY)
        assert same_version == version

        assert save_session(first, KEY, {"step": 2, "by": "first"}, version, now=clock()) == 2
        first.commit()
        with pytest.raises(StaleSessionError) as raised:
            save_session(second, KEY, {"step": 2, "by": "second"}, same_version, now=clock())
        second.rollback()

    assert isinstance(raised.value, StorageError)
    assert raised.value.key == KEY
    assert raised.value.expected_version == 1
    with sessions() as check:
        assert load_session(check, KEY) == ({"step": 2, "by": "first"}, 2)


def test_two_writers_racing_leave_exactly_one_winner(database, engine, clock):
    with make_session_factory(engine)() as setup:
        save_session(setup, KEY, {"step": 1}, NEW_SESSION, now=clock())
        setup.commit()
    first = make_session_factory(engine)()
    second = make_session_factory(database.engine())()
    outcome: dict[str, object] = {}

    def second_writer() -> None:
        try:
            outcome["version"] = save_session(second, KEY, {"by": "second"}, 1, now=clock())
        except StaleSessionError as error:
            outcome["error"] = error
        finally:
            second.rollback()

    # The first writer holds its lock uncommitted (a row lock on PostgreSQL, the write lock on
    # SQLite); the second waits for it, then finds the version moved on once the first commits.
    racer = threading.Thread(target=second_writer, daemon=True)
    try:
        save_session(first, KEY, {"by": "first"}, 1, now=clock())
        racer.start()
        racer.join(timeout=0.3)
        # Not a timing assertion: on a slow machine the writer is still waiting, or not yet started.
        assert racer.is_alive(), "the second writer should be waiting for the first one's lock"
        first.commit()
        racer.join(timeout=10)
    finally:
        first.close()
        if racer.ident is not None:
            racer.join(timeout=10)
        second.close()

    assert "version" not in outcome
    assert isinstance(outcome.get("error"), StaleSessionError)
    with make_session_factory(engine)() as check:
        assert load_session(check, KEY) == ({"by": "first"}, 2)


def test_creating_a_session_that_exists_is_stale(session, clock):
    save_session(session, KEY, {"step": 1}, NEW_SESSION, now=clock())

    with pytest.raises(StaleSessionError):
        save_session(session, KEY, {"step": 1}, NEW_SESSION, now=clock())

    assert load_session(session, KEY) == ({"step": 1}, 1)


def test_saving_a_missing_session_at_a_version_is_stale(session, clock):
    with pytest.raises(StaleSessionError):
        save_session(session, "slack:T1:C1:nowhere:U1", {}, 3, now=clock())


def test_status_and_use_case_link_are_saved_and_the_link_dies_with_the_use_case(session, clock):
    proposal = parse_proposal({"title": "Invoice matching"})
    use_case = create_use_case(session, proposal, now=clock())
    version = save_session(session, KEY, {"step": 1}, NEW_SESSION, now=clock())
    save_session(
        session,
        KEY,
        {"step": "done"},
        version,
        now=clock(),
        use_case_id=use_case.id,
        status=SessionStatus.FINISHED,
    )
    session.commit()

    delete_use_case(session, use_case.id, "U1", clock())
    session.commit()

    assert load_session(session, KEY) is None


def test_an_event_is_claimed_once(session, clock):
    assert claim_event(session, "Ev01", clock()) is True
    assert claim_event(session, "Ev01", clock()) is False
    assert claim_event(session, "Ev02", clock()) is True


def test_replicas_on_separate_engines_claim_an_event_once(database, engine, clock):
    replicas = [make_session_factory(engine), make_session_factory(database.engine())]

    claims = []
    for attempt in range(4):
        with replicas[attempt % 2]() as session:
            claims.append(claim_event(session, "Ev-retried", clock()))
            session.commit()

    assert claims == [True, False, False, False]


def test_concurrent_claims_from_replicas_let_exactly_one_through(database, engine, clock):
    engines = [engine, database.engine(), database.engine(), database.engine()]
    barrier = threading.Barrier(len(engines))
    claims: list[bool] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def replica(replica_engine) -> None:
        try:
            with make_session_factory(replica_engine)() as session:
                barrier.wait(timeout=10)
                claimed = claim_event(session, "Ev-burst", clock())
                session.commit()
            with lock:
                claims.append(claimed)
        except BaseException as error:  # surfaced below: a thread's exception is otherwise lost
            errors.append(error)

    threads = [threading.Thread(target=replica, args=(each,)) for each in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(claims) == [False, False, False, True]


def test_old_event_ids_can_be_forgotten(session, clock):
    claim_event(session, "Ev-old", clock())
    cutoff = clock.advance(hours=1)
    claim_event(session, "Ev-new", cutoff)

    assert forget_events(session, before=cutoff) == 1

    assert claim_event(session, "Ev-old", clock()) is True
    assert claim_event(session, "Ev-new", clock()) is False
