"""Work started on the event loop and left to run: held until it is done."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

__all__ = ["Tasks"]


class Tasks:
    """Spawns work as tasks and keeps a reference to each until it finishes."""

    def __init__(self) -> None:
        self._running: set[asyncio.Future[None]] = set()

    def spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        # The loop keeps only weak references to tasks: hold each until it is done.
        self._running.add(task)
        task.add_done_callback(self._running.discard)
