"""The synchronous service awaited from async code: in threads of its own, within a deadline.

Slack's and Teams' listeners and /healthz call the service (SQLAlchemy, blocking) through here,
not through asyncio's default executor: that one has min(32, cpus + 4) threads, which a silent
database fills with stuck calls until nothing is answered any more, /healthz included. Here a
call that misses its deadline raises `DatabaseTimeoutError` (the adapters apologise for it), is
abandoned (storage.abandon: nothing of it commits afterwards, its connections are cut, its thread
comes back) or, if it was still queued, never runs. Health checks have threads of their own, so
they never wait behind stuck requests.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Final, ParamSpec, TypeVar

from storage import Abandonable

if TYPE_CHECKING:
    from bot.settings import Settings

__all__ = [
    "ACK_DEADLINE",
    "DEFAULT_DEADLINE",
    "DEFAULT_HEALTH_DEADLINE",
    "DatabaseTimeoutError",
    "Offload",
    "ack_writes",
    "call_service",
    "configure",
    "database_answers",
    "health_checks",
    "service_calls",
]

_P = ParamSpec("_P")
_T = TypeVar("_T")

# A chat request makes a few short statements: ten seconds is trouble, and the person should
# hear so while they still look at the thread.
DEFAULT_DEADLINE: Final = 10.0
# /healthz answers within a second whatever the database does; a ping takes milliseconds.
DEFAULT_HEALTH_DEADLINE: Final = 0.5
# Slack wants its ack within 3 seconds: a request not stored by then gets an apology instead.
ACK_DEADLINE: Final = 2.0
# SQLAlchemy's default pool lends at most 15 connections (5, and 10 overflowing): more threads
# would only queue for one.
_SERVICE_THREADS: Final = 15
# One ping at a time is enough; the second thread lets a check start while a stuck one is cut.
_HEALTH_THREADS: Final = 2


class DatabaseTimeoutError(TimeoutError):
    """The database did not answer within the deadline; the call was abandoned."""


class Offload:
    """Runs blocking calls in threads of its own, each given up after `deadline` seconds."""

    def __init__(self, *, threads: int, deadline: float, name: str) -> None:
        self.deadline = deadline
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=name)

    async def run(self, function: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
        """`function(*args, **kwargs)` in a thread of this pool, or `DatabaseTimeoutError`."""
        work = Abandonable()
        # As asyncio.to_thread does: the call sees the caller's context variables.
        context = contextvars.copy_context()
        call = functools.partial(context.run, work.run, function, *args, **kwargs)
        # Cancelled at the deadline, a call still queued never starts (the future chains it).
        future = asyncio.get_running_loop().run_in_executor(self._executor, call)
        try:
            return await asyncio.wait_for(future, self.deadline)
        except TimeoutError:
            if not future.cancelled():
                raise  # the call's own TimeoutError (a socket's, say), not the deadline
            work.abandon()
            raise DatabaseTimeoutError(
                f"the database did not answer within {self.deadline:g} s"
            ) from None
        except asyncio.CancelledError:
            work.abandon()  # the request itself is gone (a shutdown): nobody awaits the result
            raise


service_calls: Final = Offload(
    threads=_SERVICE_THREADS, deadline=DEFAULT_DEADLINE, name="service-call"
)
# Storing a Slack request before its ack: within Slack's 3 seconds, on threads that never wait
# behind stuck chat work.
ack_writes: Final = Offload(threads=_HEALTH_THREADS * 2, deadline=ACK_DEADLINE, name="ack-write")
health_checks: Final = Offload(
    threads=_HEALTH_THREADS, deadline=DEFAULT_HEALTH_DEADLINE, name="health-check"
)


def configure(settings: Settings) -> None:
    """Take the deadlines from the settings (once, at start: they hold for the process)."""
    service_calls.deadline = settings.mlops_advisor_db_request_timeout
    health_checks.deadline = settings.mlops_advisor_db_health_timeout


async def call_service(function: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
    """A service call off the event loop, within the request deadline (the adapters' `_work`)."""
    return await service_calls.run(function, *args, **kwargs)


async def database_answers(ping: Callable[[], bool]) -> bool:
    """Whether `ping` says the database answers, within the health deadline; False, and no
    waiting beyond it, when it does not."""
    try:
        return await health_checks.run(ping)
    except DatabaseTimeoutError:
        return False
