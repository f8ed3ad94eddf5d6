"""Database work its caller may abandon: nothing of it commits afterwards, its connections are cut.

Whoever waits for the synchronous store with a deadline (bot.blocking) tells the person, once the
deadline passes, that their answer was not taken. The work must then not land later, nor linger:
a thread waiting on a silent socket (behind a proxy that keeps acknowledging) would hold its
thread and its pooled connection until the network gives up, which may be never, and could
commit minutes after the apology.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

import psycopg
from psycopg.rows import RowFactory
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from storage.errors import AbandonedError

__all__ = ["Abandonable", "TrackedCursor", "track_engine", "track_sessions"]

_P = ParamSpec("_P")
_T = TypeVar("_T")

# The work running in this thread, if it may be abandoned; set by `Abandonable.run`.
_current: ContextVar[Abandonable | None] = ContextVar("abandonable", default=None)


class Abandonable:
    """One call into the store, run in a worker thread, that the waiting side may abandon.

    The worker runs the call with `run`; the waiting side calls `abandon` when it stops waiting.
    From then on the call's sessions refuse to commit (AbandonedError, rolled back), it opens no
    new connection, and the PostgreSQL connections it is using are shut down, so a call blocked
    on a socket fails at once and gives back its thread; the pool replaces the connection.
    A COMMIT already on its way may still land: the server may have it in hand.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._abandoned = False
        # The connections the call holds, each with its own duplicate of the socket: shutting
        # that down can only ever hit this connection, even if libpq has closed its descriptor
        # in the meantime and the number has been reused by another socket.
        self._sockets: dict[psycopg.Connection[Any], socket.socket] = {}

    @property
    def abandoned(self) -> bool:
        """Whether the waiting side has given up on this call."""
        return self._abandoned

    def run(self, function: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
        """Call `function` in this thread as this work (the worker's side)."""
        token = _current.set(self)
        try:
            return function(*args, **kwargs)
        finally:
            _current.reset(token)
            with self._lock:
                sockets, self._sockets = list(self._sockets.values()), {}
            for duplicate in sockets:
                duplicate.close()

    def abandon(self) -> None:
        """Stop the call (the waiting side's): no commit, no new connection, sockets cut."""
        with self._lock:
            self._abandoned = True
            sockets = list(self._sockets.values())
        for duplicate in sockets:
            with contextlib.suppress(OSError):  # closed already: nothing left to cut
                duplicate.shutdown(socket.SHUT_RDWR)

    def _refuse_if_abandoned(self) -> None:
        if self._abandoned:
            raise AbandonedError

    def _hold(self, connection: psycopg.Connection[Any]) -> None:
        with self._lock:
            self._refuse_if_abandoned()
            if connection in self._sockets:
                return
            try:
                descriptor = connection.pgconn.socket
            except psycopg.OperationalError:
                return  # lost already: its statement fails at once, there is nothing to cut
            self._sockets[connection] = socket.socket(fileno=os.dup(descriptor))

    def _release(self, connection: Any) -> None:
        with self._lock:
            duplicate = self._sockets.pop(connection, None)
        if duplicate is not None:
            duplicate.close()


class TrackedCursor(psycopg.Cursor[Any]):
    """psycopg's cursor, which tells the abandonable call it runs for (if any) which connection
    it uses. Every statement opens one, SQLAlchemy's pre-ping included, so a call stuck
    anywhere on a connection can be cut off (make_engine makes it the cursor factory)."""

    __slots__ = ()

    def __init__(
        self, connection: psycopg.Connection[Any], *, row_factory: RowFactory[Any] | None = None
    ) -> None:
        work = _current.get()
        if work is not None:
            work._hold(connection)
        if row_factory is None:  # psycopg's overloads: the connection's own row factory
            super().__init__(connection)
        else:
            super().__init__(connection, row_factory=row_factory)


def track_engine(engine: Engine) -> None:
    """Let abandoned calls on `engine` open no connection, and forget a connection once it is
    back in the pool: from then on it is another caller's, not to be cut."""
    event.listen(engine, "do_connect", _refuse_abandoned_connect)
    event.listen(engine, "checkin", _release_on_checkin)


def track_sessions(sessions: sessionmaker[Session]) -> None:
    """Make sessions from `sessions` refuse to commit for an abandoned call (they roll back)."""
    event.listen(sessions, "before_commit", _refuse_abandoned_commit)


def _refuse_abandoned_connect(*_: object) -> None:
    work = _current.get()
    if work is not None:
        work._refuse_if_abandoned()


def _release_on_checkin(dbapi_connection: object, _record: object) -> None:
    work = _current.get()
    if work is not None and dbapi_connection is not None:
        work._release(dbapi_connection)


def _refuse_abandoned_commit(_session: Session) -> None:
    work = _current.get()
    if work is not None:
        work._refuse_if_abandoned()
