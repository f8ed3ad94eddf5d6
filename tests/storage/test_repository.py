"""Use cases and assessments go in as core models and come out as core models, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DataError

from advisor import (
    DEFAULT,
    MAX_USE_CASE_ID,
    AuditAction,
    Platform,
    Proposal,
    StoredAssessment,
    UseCase,
    UseCaseStatus,
    assess,
    parse_proposal,
)
from storage import (
    UnknownUseCaseError,
    add_assessment,
    assessment_history,
    audit_entries,
    create_use_case,
    delete_use_case,
    get_use_case,
    import_use_cases,
    list_use_cases,
    save_session,
    set_status,
    update_proposal,
)
from storage.database import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.models import Base

CHURN = parse_proposal(
    {
        "title": "Churn model for enterprise customers",
        "problem": "We lose roughly one enterprise customer a week and want early warning.",
        "origin": "business_need",
        "business_owner": "VP Customer Success",
        "kpi": "Net revenue retention",
        "annual_value_eur": 150000,
        "annual_cost_eur": 30000,
        "retraining": "quarterly",
        "serving": "batch",
        "ml_engineers": 0,
        "data_scientists": 1,
        "security_gaps": False,
        "data_access": True,
    }
)
CHATBOT = parse_proposal(
    {
        "title": "Customer chatbot",
        "problem": "All our competitors have launched AI chatbots and we cannot fall behind.",
        "origin": "competitor_move",
        "annual_cost_eur": 200000,
        "serving": "online",
    }
)


def _slack_use_case(session, proposal: Proposal, now: datetime, **overrides) -> UseCase:
    where = {
        "proposer_id": "U123",
        "proposer_name": "Ada Lovelace",
        "platform": Platform.SLACK,
        "workspace_id": "T1",
        "channel_id": "C1",
        "thread_id": "1700000000.000100",
    }
    return create_use_case(session, proposal, now=now, **(where | overrides))


def test_a_use_case_and_its_assessment_round_trip_as_core_models(session, clock):
    created = _slack_use_case(session, CHURN, clock())
    verdict = assess(CHURN)
    stored = add_assessment(session, created.id, verdict, DEFAULT.version, clock.advance(seconds=5))
    session.commit()
    session.expunge_all()

    loaded = get_use_case(session, created.id)

    assert isinstance(loaded, UseCase)
    assert isinstance(stored, StoredAssessment)
    assert loaded.proposal == CHURN
    assert loaded.title == CHURN.title
    assert (loaded.proposer_id, loaded.proposer_name) == ("U123", "Ada Lovelace")
    assert (loaded.platform, loaded.workspace_id, loaded.channel_id, loaded.thread_id) == (
        Platform.SLACK,
        "T1",
        "C1",
        "1700000000.000100",
    )
    assert loaded.status is UseCaseStatus.ASSESSED
    assert loaded.latest == stored
    assert loaded.latest.assessment == verdict
    assert loaded.latest.policy_version == DEFAULT.version
    assert loaded.updated_at == clock()


def test_a_cli_use_case_needs_no_workspace_channel_or_proposer(session, clock):
    created = create_use_case(session, CHATBOT, now=clock())
    session.commit()

    loaded = get_use_case(session, created.id)

    assert loaded == created
    assert loaded.platform is Platform.CLI
    assert loaded.status is UseCaseStatus.INTERVIEWING
    assert loaded.latest is None
    assert (loaded.proposer_id, loaded.workspace_id, loaded.channel_id, loaded.thread_id) == (
        None,
        None,
        None,
        None,
    )


def test_unknown_ids_read_as_none_and_write_as_an_error(session, clock):
    assert get_use_case(session, 404) is None
    assert assessment_history(session, 404) == []
    with pytest.raises(UnknownUseCaseError) as raised:
        add_assessment(session, 404, assess(CHURN), DEFAULT.version, clock())
    assert raised.value.use_case_id == 404
    with pytest.raises(UnknownUseCaseError):
        update_proposal(session, 404, CHURN, actor="U1", now=clock())


def test_max_use_case_id_is_the_largest_id_every_database_takes(session):
    # The adapters never send a bigger number (advisor.parse_use_case_number): if the id column
    # ever became a BIGINT, this fails on PostgreSQL and the bound should grow with it.
    assert get_use_case(session, MAX_USE_CASE_ID) is None
    if session.get_bind().dialect.name == "postgresql":
        with pytest.raises(DataError, match="out of range"):
            get_use_case(session, MAX_USE_CASE_ID + 1)


def test_history_keeps_every_assessment_and_latest_is_the_newest(session, clock):
    use_case = _slack_use_case(session, CHATBOT, clock())
    first = add_assessment(session, use_case.id, assess(CHATBOT), "2025.1", clock.advance(days=1))
    improved = CHATBOT.model_copy(update={"kpi": "Tickets resolved without an agent"})
    second = add_assessment(session, use_case.id, assess(improved), "2025.2", clock.advance(days=1))
    session.commit()

    history = assessment_history(session, use_case.id)

    assert history == [first, second]
    assert [stored.policy_version for stored in history] == ["2025.1", "2025.2"]
    assert get_use_case(session, use_case.id).latest == second


def test_listing_filters_by_proposer_and_workspace_newest_first(session, clock):
    ada_t1 = _slack_use_case(session, CHURN, clock())
    ada_t2 = _slack_use_case(session, CHATBOT, clock.advance(minutes=1), workspace_id="T2")
    bob_t1 = _slack_use_case(session, CHATBOT, clock.advance(minutes=1), proposer_id="U999")
    add_assessment(session, ada_t1.id, assess(CHURN), DEFAULT.version, clock())
    session.commit()

    def ids(**filters) -> list[int]:
        return [use_case.id for use_case in list_use_cases(session, **filters)]

    assert ids() == [bob_t1.id, ada_t2.id, ada_t1.id]
    assert ids(proposer_id="U123") == [ada_t2.id, ada_t1.id]
    assert ids(workspace_id="T1") == [bob_t1.id, ada_t1.id]
    assert ids(proposer_id="U123", workspace_id="T1") == [ada_t1.id]
    assert ids(status=UseCaseStatus.ASSESSED) == [ada_t1.id]
    assert ids(limit=2) == [bob_t1.id, ada_t2.id]
    listed = {use_case.id: use_case for use_case in list_use_cases(session)}
    assert listed[ada_t1.id].latest is not None
    assert listed[bob_t1.id].latest is None


def test_updating_a_proposal_is_audited_by_field_name_only(session, clock):
    use_case = _slack_use_case(session, CHURN, clock())
    changed = CHURN.model_copy(update={"title": "Churn early warning", "kpi": "Logo retention"})

    updated = update_proposal(
        session, use_case.id, changed, actor="U777", now=clock.advance(hours=1)
    )
    unchanged = update_proposal(
        session, use_case.id, changed, actor="U777", now=clock.advance(hours=1)
    )
    session.commit()

    assert updated.proposal == changed
    assert updated.title == "Churn early warning"
    assert unchanged.updated_at == updated.updated_at
    [entry] = audit_entries(session, use_case_id=use_case.id)
    assert (entry.action, entry.actor, entry.at) == (
        AuditAction.UPDATE_PROPOSAL,
        "U777",
        updated.updated_at,
    )
    assert entry.details == {"fields": ["title", "kpi"]}


def test_status_changes_are_audited_and_archived_stays_archived(session, clock):
    use_case = _slack_use_case(session, CHURN, clock())
    archived = set_status(session, use_case.id, UseCaseStatus.ARCHIVED, actor="U1", now=clock())
    add_assessment(session, use_case.id, assess(CHURN), DEFAULT.version, clock.advance(days=1))
    session.commit()

    assert archived.status is UseCaseStatus.ARCHIVED
    assert get_use_case(session, use_case.id).status is UseCaseStatus.ARCHIVED
    [entry] = audit_entries(session, use_case_id=use_case.id)
    assert entry.details == {"from": "interviewing", "to": "archived"}


def test_delete_erases_the_use_case_and_the_audit_log_keeps_only_the_fact(engine, session, clock):
    secret = CHURN.model_copy(
        update={"title": "Project Nightjar", "problem": "Confidential: Nightjar acquisition plan."}
    )
    use_case = _slack_use_case(session, secret, clock())
    add_assessment(session, use_case.id, assess(secret), DEFAULT.version, clock())
    update_proposal(
        session,
        use_case.id,
        secret.model_copy(update={"kpi": "Nightjar synergy"}),
        actor="U123",
        now=clock.advance(minutes=5),
    )
    save_session(
        session,
        "slack:T1:C1:1700000000.000100:U123",
        {"answers": {"title": "Project Nightjar"}},
        0,
        now=clock(),
        use_case_id=use_case.id,
    )
    other = _slack_use_case(session, CHATBOT, clock())
    session.commit()

    deleted_at = clock.advance(days=30)
    assert delete_use_case(session, use_case.id, "U-admin", deleted_at) is True
    assert delete_use_case(session, use_case.id, "U-admin", deleted_at) is False
    session.commit()

    assert get_use_case(session, use_case.id) is None
    assert assessment_history(session, use_case.id) == []
    assert get_use_case(session, other.id) is not None
    latest = audit_entries(session, use_case_id=use_case.id)[0]
    assert (latest.action, latest.actor, latest.at, latest.details) == (
        AuditAction.DELETE,
        "U-admin",
        deleted_at,
        {},
    )
    everything = _dump_every_table(engine)
    assert "Nightjar" not in everything
    assert "acquisition" not in everything


def test_deleted_proposal_text_is_not_left_in_the_sqlite_file(tmp_path, clock):
    path = tmp_path / "erasure.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
        with make_session_factory(engine)() as session:
            proposal = CHURN.model_copy(update={"notes": "Nightjar"})
            use_case = create_use_case(session, proposal, now=clock())
            session.commit()
            delete_use_case(session, use_case.id, "U-admin", clock())
            session.commit()
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()
    assert b"Nightjar" not in path.read_bytes()


def test_timestamps_come_back_aware_in_utc(session, clock):
    paris = timezone(timedelta(hours=2))
    moment = datetime(2026, 6, 1, 12, 0, tzinfo=paris)

    created = _slack_use_case(session, CHURN, moment)
    add_assessment(session, created.id, assess(CHURN), DEFAULT.version, moment)
    session.commit()
    session.expunge_all()
    loaded = get_use_case(session, created.id)

    for value in (
        created.created_at,
        loaded.created_at,
        loaded.updated_at,
        loaded.latest.created_at,
    ):
        assert value.tzinfo is UTC
        assert value == datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    assert audit_entries(session) == []


def test_naive_datetimes_are_refused(session):
    with pytest.raises(ValueError, match="naive"):
        create_use_case(session, CHURN, now=datetime(2026, 1, 1))


def test_import_inserts_thousands_and_returns_ids_in_order(session, clock):
    proposals = [
        CHURN.model_copy(update={"title": f"Use case {index:04d}", "models": index % 7})
        for index in range(3000)
    ]
    items = [(proposal, assess(proposal)) for proposal in proposals]

    ids = import_use_cases(
        session, items, policy_version=DEFAULT.version, now=clock(), proposer_id="U-import"
    )
    session.commit()

    assert len(ids) == 3000
    assert ids == sorted(ids)
    assert len(set(ids)) == 3000
    for index in (0, 1, 1234, 2999):
        loaded = get_use_case(session, ids[index])
        assert loaded.title == f"Use case {index:04d}"
        assert loaded.proposal == proposals[index]
        assert loaded.latest.assessment == items[index][1]
        assert loaded.status is UseCaseStatus.ASSESSED
    assert len(list_use_cases(session, proposer_id="U-import")) == 3000
    [entry] = audit_entries(session)
    assert (entry.action, entry.details) == (AuditAction.IMPORT, {"count": 3000})


def test_import_of_nothing_writes_nothing(session, clock):
    assert import_use_cases(session, [], policy_version=DEFAULT.version, now=clock()) == []
    assert audit_entries(session) == []


def _dump_every_table(engine) -> str:
    with engine.connect() as connection:
        rows = [
            repr(row)
            for table in Base.metadata.sorted_tables
            for row in connection.execute(select(text("*")).select_from(table))
        ]
    return "\n".join(rows)
