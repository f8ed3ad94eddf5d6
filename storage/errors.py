"""The storage errors: one small tree, so the shell catches exactly what it expects.

StorageError
 ├── UnknownUseCaseError   the use case id does not exist (or was deleted)
 ├── StaleSessionError     another writer saved the interview session first: reload, retry
 └── AbandonedError        the caller stopped waiting for this work: nothing more of it is done
"""

from __future__ import annotations

__all__ = ["AbandonedError", "StaleSessionError", "StorageError", "UnknownUseCaseError"]


class StorageError(Exception):
    """Base of every error the storage layer raises on purpose."""


class UnknownUseCaseError(StorageError, LookupError):
    """The use case id does not exist (or was deleted)."""

    def __init__(self, use_case_id: int) -> None:
        self.use_case_id = use_case_id
        super().__init__(f"use case {use_case_id} does not exist")


class StaleSessionError(StorageError):
    """The interview session changed since it was loaded; reload it and answer again."""

    def __init__(self, key: str, expected_version: int) -> None:
        self.key = key
        self.expected_version = expected_version
        super().__init__(
            f"interview session {key!r} is no longer at version {expected_version}:"
            " another writer saved it first"
        )


class AbandonedError(StorageError):
    """The caller stopped waiting for this database work (its deadline passed): it may neither
    commit nor open a connection any more (see storage.abandon)."""

    def __init__(self) -> None:
        super().__init__("the caller stopped waiting for this database work; nothing was committed")
