"""The portfolio store: SQLAlchemy models, repository functions and packaged Alembic migrations."""

from storage.database import (
    DEFAULT_DATABASE_URL,
    default_database_url,
    make_engine,
    make_session_factory,
)
from storage.errors import StaleSessionError, StorageError, UnknownUseCaseError
from storage.migrate import current_revision, head_revision, upgrade
from storage.repository import (
    NEW_SESSION,
    add_assessment,
    assessment_history,
    audit_entries,
    claim_event,
    create_use_case,
    delete_use_case,
    forget_events,
    get_use_case,
    import_use_cases,
    list_use_cases,
    load_session,
    save_session,
    session_status,
    set_status,
    update_proposal,
)

__all__ = [
    "DEFAULT_DATABASE_URL",
    "NEW_SESSION",
    "StaleSessionError",
    "StorageError",
    "UnknownUseCaseError",
    "add_assessment",
    "assessment_history",
    "audit_entries",
    "claim_event",
    "create_use_case",
    "current_revision",
    "default_database_url",
    "delete_use_case",
    "forget_events",
    "get_use_case",
    "head_revision",
    "import_use_cases",
    "list_use_cases",
    "load_session",
    "make_engine",
    "make_session_factory",
    "save_session",
    "session_status",
    "set_status",
    "update_proposal",
    "upgrade",
]
