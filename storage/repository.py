"""Repository functions: session first, core models out; they flush, and the caller commits."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import islice
from typing import Any, Final, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Row,
    Select,
    Table,
    Text,
    bindparam,
    delete,
    select,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from advisor.assessment import Assessment
from advisor.portfolio import (
    AuditAction,
    AuditEntry,
    Platform,
    SessionStatus,
    StoredAssessment,
    UseCase,
    UseCaseStatus,
)
from advisor.proposal import Proposal
from storage.database import as_utc, insert_on_conflict
from storage.errors import StaleSessionError, UnknownUseCaseError
from storage.latest import latest_assessment_id
from storage.models import (
    AssessmentRow,
    AuditEntryRow,
    InterviewSessionRow,
    ProcessedEventRow,
    UseCaseRow,
)

__all__ = [
    "NEW_SESSION",
    "add_assessment",
    "assessment_history",
    "audit_entries",
    "claim_event",
    "create_use_case",
    "delete_use_case",
    "forget_events",
    "get_use_case",
    "import_use_cases",
    "list_use_cases",
    "load_session",
    "save_session",
    "session_status",
    "session_use_case_id",
    "set_status",
    "update_proposal",
]

NEW_SESSION: Final = 0
"""The `expected_version` that creates an interview session rather than updating one."""

# Rows per INSERT round: large enough to amortise each statement, small enough to bound memory.
_IMPORT_BATCH: Final = 5000

_use_cases: Final[Table] = UseCaseRow.__table__  # type: ignore[assignment]
_assessments: Final[Table] = AssessmentRow.__table__  # type: ignore[assignment]
_sessions: Final[Table] = InterviewSessionRow.__table__  # type: ignore[assignment]
_events: Final[Table] = ProcessedEventRow.__table__  # type: ignore[assignment]


# --- use cases and assessments ---------------------------------------------------------------


def create_use_case(
    session: Session,
    proposal: Proposal,
    *,
    now: datetime,
    proposer_id: str | None = None,
    proposer_name: str | None = None,
    platform: Platform = Platform.CLI,
    workspace_id: str | None = None,
    channel_id: str | None = None,
    thread_id: str | None = None,
    status: UseCaseStatus = UseCaseStatus.INTERVIEWING,
) -> UseCase:
    """Add a use case to the portfolio; it has no assessment until `add_assessment`."""
    now = as_utc(now)
    row = UseCaseRow(
        title=proposal.title,
        proposal=_proposal_document(proposal),
        proposer_id=proposer_id,
        proposer_name=proposer_name,
        platform=platform.value,
        workspace_id=workspace_id,
        channel_id=channel_id,
        thread_id=thread_id,
        status=status.value,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return _use_case(row, None)


def add_assessment(
    session: Session,
    use_case_id: int,
    assessment: Assessment,
    policy_version: str,
    now: datetime,
) -> StoredAssessment:
    """Record a (re-)assessment as a new row, keeping the earlier ones as history.

    The use case becomes `assessed`, unless it was archived. Raises UnknownUseCaseError.
    """
    now = as_utc(now)
    use_case = _use_case_row(session, use_case_id)
    row = AssessmentRow(
        use_case_id=use_case_id,
        flags=[flag.value for flag in assessment.flags],
        assessment=assessment.model_dump(mode="json"),
        created_at=now,
        **_assessment_columns(assessment, policy_version),
    )
    session.add(row)
    if use_case.status != UseCaseStatus.ARCHIVED:
        use_case.status = UseCaseStatus.ASSESSED.value
    use_case.updated_at = now
    session.flush()
    return _stored_assessment(row)


def get_use_case(session: Session, use_case_id: int) -> UseCase | None:
    """The use case with its latest assessment, or None if there is no such id."""
    found = session.execute(_with_latest().where(UseCaseRow.id == use_case_id)).one_or_none()
    return None if found is None else _use_case_from_pair(found)


def list_use_cases(
    session: Session,
    *,
    proposer_id: str | None = None,
    workspace_id: str | None = None,
    status: UseCaseStatus | None = None,
    limit: int | None = None,
) -> list[UseCase]:
    """Use cases with their latest assessments, most recently created first, optionally filtered."""
    query = _with_latest()
    if proposer_id is not None:
        query = query.where(UseCaseRow.proposer_id == proposer_id)
    if workspace_id is not None:
        query = query.where(UseCaseRow.workspace_id == workspace_id)
    if status is not None:
        query = query.where(UseCaseRow.status == status.value)
    query = query.order_by(UseCaseRow.id.desc()).limit(limit)
    return [_use_case_from_pair(pair) for pair in session.execute(query)]


def assessment_history(session: Session, use_case_id: int) -> list[StoredAssessment]:
    """Every assessment of the use case, oldest first; empty for an unknown id."""
    rows = session.scalars(
        select(AssessmentRow)
        .where(AssessmentRow.use_case_id == use_case_id)
        .order_by(AssessmentRow.id)
    )
    return [_stored_assessment(row) for row in rows]


def update_proposal(
    session: Session, use_case_id: int, proposal: Proposal, *, actor: str, now: datetime
) -> UseCase:
    """Replace the proposal; the audit log names the changed fields, never their contents.

    An identical proposal changes nothing and is not audited. Raises UnknownUseCaseError.
    """
    now = as_utc(now)
    row = _use_case_row(session, use_case_id)
    before = Proposal.model_validate(row.proposal)
    changed = [
        name for name in Proposal.model_fields if getattr(before, name) != getattr(proposal, name)
    ]
    if changed:
        row.title = proposal.title
        row.proposal = _proposal_document(proposal)
        row.updated_at = now
        _audit(
            session,
            AuditAction.UPDATE_PROPOSAL,
            use_case_id=use_case_id,
            details={"fields": changed},
            actor=actor,
            now=now,
        )
        session.flush()
    found = get_use_case(session, use_case_id)
    assert found is not None  # the row was loaded above, in this same transaction
    return found


def set_status(
    session: Session, use_case_id: int, status: UseCaseStatus, *, actor: str, now: datetime
) -> UseCase:
    """Move the use case to another status, audited. Raises UnknownUseCaseError."""
    now = as_utc(now)
    row = _use_case_row(session, use_case_id)
    if row.status != status.value:
        details = {"from": row.status, "to": status.value}
        row.status = status.value
        row.updated_at = now
        _audit(
            session,
            AuditAction.SET_STATUS,
            use_case_id=use_case_id,
            details=details,
            actor=actor,
            now=now,
        )
        session.flush()
    found = get_use_case(session, use_case_id)
    assert found is not None  # the row was loaded above, in this same transaction
    return found


def delete_use_case(session: Session, use_case_id: int, actor: str, now: datetime) -> bool:
    """Erase a use case with its assessments and interview sessions; False if there was none.

    The audit log keeps only the fact: which id, who, when. Earlier audit entries of the use case
    carry field names and statuses, never proposal text, so they stay as they are.
    """
    now = as_utc(now)
    # Explicit deletes rather than trusting ON DELETE CASCADE alone: an erasure must not depend on
    # a SQLite connection having switched foreign keys on.
    for dependent in (AssessmentRow, InterviewSessionRow):
        session.execute(delete(dependent).where(dependent.use_case_id == use_case_id))
    # ORM-enabled DELETE (not Core): it also evicts the row from this session's identity map.
    deleted = cast(
        CursorResult[Any],
        session.execute(delete(UseCaseRow).where(UseCaseRow.id == use_case_id)),
    )
    if deleted.rowcount == 0:
        return False
    _audit(session, AuditAction.DELETE, use_case_id=use_case_id, details={}, actor=actor, now=now)
    session.flush()
    return True


def import_use_cases(
    session: Session,
    items: Iterable[tuple[Proposal, Assessment]],
    *,
    policy_version: str,
    now: datetime,
    proposer_id: str | None = None,
    proposer_name: str | None = None,
    platform: Platform = Platform.CLI,
    workspace_id: str | None = None,
    actor: str = "import",
) -> list[int]:
    """Insert assessed proposals in bulk; returns their new ids in the order of `items`.

    Multi-row INSERTs (with RETURNING where the database has it) instead of one ORM object per
    row: 100,000 proposals take seconds, not minutes. One audit entry records the import.
    `items` may be a generator: it is consumed one batch at a time, so the caller need not hold
    every assessment in memory; an exception it raises propagates, and the caller rolls back.
    """
    now = as_utc(now)
    connection = session.connection()
    dialect = connection.dialect.name
    insert_use_cases = _use_cases.insert().values(proposal=_json_text("proposal", dialect))
    insert_assessments = _assessments.insert().values(
        flags=_json_text("flags", dialect), assessment=_json_text("assessment", dialect)
    )
    ids: list[int] = []
    for batch in _batched(items, _IMPORT_BATCH):
        use_case_rows = [
            {
                "title": proposal.title,
                "proposal": proposal.model_dump_json(),
                "proposer_id": proposer_id,
                "proposer_name": proposer_name,
                "platform": platform.value,
                "workspace_id": workspace_id,
                "channel_id": None,
                "thread_id": None,
                "status": UseCaseStatus.ASSESSED.value,
                "created_at": now,
                "updated_at": now,
            }
            for proposal, _ in batch
        ]
        inserted = connection.execute(
            insert_use_cases.returning(_use_cases.c.id, sort_by_parameter_order=True),
            use_case_rows,
        )
        batch_ids = list(inserted.scalars())
        assessment_rows = [
            {
                **_assessment_columns(assessment, policy_version),
                "use_case_id": use_case_id,
                "created_at": now,
                "flags": json.dumps([flag.value for flag in assessment.flags]),
                "assessment": assessment.model_dump_json(),
            }
            for use_case_id, (_, assessment) in zip(batch_ids, batch, strict=True)
        ]
        connection.execute(insert_assessments, assessment_rows)
        ids.extend(batch_ids)
    if ids:
        _audit(
            session,
            AuditAction.IMPORT,
            use_case_id=None,
            details={"count": len(ids)},
            actor=actor,
            now=now,
        )
        session.flush()
    return ids


# --- interview sessions ----------------------------------------------------------------------


def load_session(session: Session, key: str) -> tuple[dict[str, Any], int] | None:
    """The interview engine's state and its version, or None if no session has this key."""
    found = session.execute(
        select(InterviewSessionRow.state, InterviewSessionRow.version).where(
            InterviewSessionRow.key == key
        )
    ).one_or_none()
    return None if found is None else (dict(found.state), found.version)


def session_status(session: Session, key: str) -> SessionStatus | None:
    """Where the interview under `key` stands, or None if there is none."""
    status = session.execute(
        select(InterviewSessionRow.status).where(InterviewSessionRow.key == key)
    ).scalar_one_or_none()
    return None if status is None else SessionStatus(status)


def session_use_case_id(session: Session, key: str) -> int | None:
    """The use case a finished interview under `key` was stored as, if any."""
    return session.execute(
        select(InterviewSessionRow.use_case_id).where(InterviewSessionRow.key == key)
    ).scalar_one_or_none()


def save_session(
    session: Session,
    key: str,
    state: dict[str, Any],
    expected_version: int,
    *,
    now: datetime,
    use_case_id: int | None = None,
    status: SessionStatus | None = None,
) -> int:
    """Store the interview state if nobody saved since `expected_version`; returns the new version.

    Pass NEW_SESSION (0) to create the session. Raises StaleSessionError when another writer got
    there first (the caller reloads and retries), so two replicas can never interleave updates.
    `use_case_id` and `status` change only when given.
    """
    now = as_utc(now)
    connection = session.connection()
    if expected_version == NEW_SESSION:
        values = {
            "key": key,
            "state": state,
            "version": 1,
            "use_case_id": use_case_id,
            "status": (status or SessionStatus.ACTIVE).value,
            "created_at": now,
            "updated_at": now,
        }
        if not _insert_unless_present(session, _sessions, values, "key"):
            raise StaleSessionError(key, expected_version)
        return 1
    changes: dict[str, Any] = {"state": state, "version": expected_version + 1, "updated_at": now}
    if use_case_id is not None:
        changes["use_case_id"] = use_case_id
    if status is not None:
        changes["status"] = status.value
    # Compare-and-set in one statement: the row lock makes a concurrent writer wait, then its
    # WHERE no longer matches, so exactly one of two racing saves wins.
    updated = connection.execute(
        update(_sessions)
        .where(_sessions.c.key == key, _sessions.c.version == expected_version)
        .values(changes)
    )
    if updated.rowcount != 1:
        raise StaleSessionError(key, expected_version)
    return expected_version + 1


# --- platform events ---------------------------------------------------------------------------


def claim_event(session: Session, event_id: str, now: datetime) -> bool:
    """True the first time an event id is seen, False for a platform retry of it.

    Safe across replicas: the primary key decides, and a concurrent claim waits for the first one's
    transaction. Commit soon after claiming, so other replicas see the claim.
    """
    values = {"event_id": event_id, "received_at": as_utc(now)}
    return _insert_unless_present(session, _events, values, "event_id")


def forget_events(session: Session, *, before: datetime) -> int:
    """Drop event ids received before `before` (platforms retry for minutes, not days)."""
    deleted = session.connection().execute(
        delete(_events).where(_events.c.received_at < as_utc(before))
    )
    return deleted.rowcount


# --- audit log ---------------------------------------------------------------------------------


def audit_entries(
    session: Session, *, use_case_id: int | None = None, limit: int | None = None
) -> list[AuditEntry]:
    """Audit entries, newest first; only those naming `use_case_id` when it is given."""
    query = select(AuditEntryRow).order_by(AuditEntryRow.id.desc()).limit(limit)
    if use_case_id is not None:
        query = query.where(AuditEntryRow.use_case_id == use_case_id)
    return [
        AuditEntry(
            id=row.id,
            at=row.at,
            actor=row.actor,
            action=AuditAction(row.action),
            use_case_id=row.use_case_id,
            details=dict(row.details),
        )
        for row in session.scalars(query)
    ]


# --- helpers -----------------------------------------------------------------------------------


_Item = TypeVar("_Item")


def _batched(items: Iterable[_Item], size: int) -> Iterator[Sequence[_Item]]:
    # itertools.batched arrives in Python 3.12; this project supports 3.11.
    iterator = iter(items)
    while batch := tuple(islice(iterator, size)):
        yield batch


def _proposal_document(proposal: Proposal) -> dict[str, Any]:
    return proposal.model_dump(mode="json")


def _assessment_columns(assessment: Assessment, policy_version: str) -> dict[str, Any]:
    # The queryable summary; the full assessment document is added by each caller its own way.
    return {
        "policy_version": policy_version,
        "tier": assessment.tier.value,
        "business_case_score": assessment.scores.business_case,
        "mlops_need_score": assessment.scores.mlops_need,
        "readiness_score": assessment.scores.readiness,
    }


def _json_text(name: str, dialect: str) -> ColumnElement[Any]:
    # Bulk rows arrive as JSON text that pydantic wrote (in Rust, several times faster than
    # json.dumps on a dict), so the column's own serializer must not encode them a second time.
    text_value = bindparam(name, type_=Text())
    return sql_cast(text_value, JSONB()) if dialect == "postgresql" else text_value


def _use_case_row(session: Session, use_case_id: int) -> UseCaseRow:
    row = session.get(UseCaseRow, use_case_id)
    if row is None:
        raise UnknownUseCaseError(use_case_id)
    return row


def _with_latest() -> Select[UseCaseRow, AssessmentRow]:
    # Outer: a use case never assessed comes with None.
    return select(UseCaseRow, AssessmentRow).outerjoin(
        AssessmentRow, AssessmentRow.id == latest_assessment_id()
    )


def _use_case_from_pair(pair: Row[UseCaseRow, AssessmentRow]) -> UseCase:
    # The outer join leaves the assessment None for a use case never assessed.
    use_case, latest = pair
    return _use_case(use_case, cast(AssessmentRow | None, latest))


def _use_case(row: UseCaseRow, latest: AssessmentRow | None) -> UseCase:
    return UseCase(
        id=row.id,
        title=row.title,
        proposal=Proposal.model_validate(row.proposal),
        proposer_id=row.proposer_id,
        proposer_name=row.proposer_name,
        platform=Platform(row.platform),
        workspace_id=row.workspace_id,
        channel_id=row.channel_id,
        thread_id=row.thread_id,
        status=UseCaseStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        latest=None if latest is None else _stored_assessment(latest),
    )


def _stored_assessment(row: AssessmentRow) -> StoredAssessment:
    return StoredAssessment(
        id=row.id,
        use_case_id=row.use_case_id,
        policy_version=row.policy_version,
        assessment=Assessment.model_validate(row.assessment),
        created_at=row.created_at,
    )


def _audit(
    session: Session,
    action: AuditAction,
    *,
    use_case_id: int | None,
    details: dict[str, Any],
    actor: str,
    now: datetime,
) -> None:
    entry = AuditEntryRow(
        at=now, actor=actor, action=action.value, use_case_id=use_case_id, details=details
    )
    session.add(entry)


def _insert_unless_present(
    session: Session, table: Table, values: dict[str, Any], unique_column: str
) -> bool:
    # RETURNING says whether a row went in; rowcount is not reliable once the dialect adds its
    # own RETURNING.
    key = table.c[unique_column]
    statement = insert_on_conflict(session, table, values, [key]).returning(key)
    return session.connection().execute(statement).first() is not None
