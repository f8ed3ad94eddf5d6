"""Once-only claims (digests, follow-ups): insert the claim, or take over an abandoned one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Table, update
from sqlalchemy.orm import Session

from storage.database import insert_on_conflict

__all__ = ["finish_claim", "take_claim"]


def take_claim(
    session: Session,
    table: Table,
    key: Mapping[str, Any],
    claimed: Mapping[str, Any],
    *,
    stale_before: datetime,
    unfinished: Sequence[str],
    first: Mapping[str, Any] | None = None,
) -> Row[Any] | None:
    """Claim the row of `table` unique by `key`; its row, or None when someone else holds a
    fresh claim on it or finished it.

    The first claim inserts the row with `key`, `claimed` and `first` (INSERT ... ON CONFLICT DO
    NOTHING: a concurrent claimer waits for the first's transaction, then finds the row). A row
    whose `unfinished` columns are all NULL and whose `claimed_at` is before `stale_before`
    belongs to a claimer that crashed: it is taken over, setting `claimed` again, by a
    compare-and-set UPDATE, so of two runs taking it over at once only one succeeds. Commit
    before acting on the claim, so that other runners see it.
    """
    values = {**key, **(first or {}), **claimed}
    keys = [table.c[name] for name in key]
    statement = insert_on_conflict(session, table, values, keys).returning(*table.c)
    inserted = session.connection().execute(statement).one_or_none()
    if inserted is not None:
        return inserted
    # On PostgreSQL a concurrent UPDATE waits for the row lock, then re-checks the WHERE against
    # the fresh claimed_at and matches nothing.
    stale = update(table).where(
        *(table.c[name] == value for name, value in key.items()),
        *(table.c[name].is_(None) for name in unfinished),
        table.c.claimed_at < stale_before,
    )
    return session.connection().execute(stale.values(**claimed).returning(*table.c)).one_or_none()


def finish_claim(
    session: Session,
    table: Table,
    claim_id: int,
    values: Mapping[str, Any],
    *,
    unfinished: Sequence[str],
) -> Row[Any] | None:
    """Record how a claim ended (`values`, e.g. when it was posted); the finished row, or None if
    it was finished already (by a run that took it over while this one was slow)."""
    finished = (
        update(table)
        .where(table.c.id == claim_id, *(table.c[name].is_(None) for name in unfinished))
        .values(**values)
        .returning(*table.c)
    )
    return session.connection().execute(finished).one_or_none()
