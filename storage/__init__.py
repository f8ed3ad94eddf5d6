"""The portfolio store (SQLAlchemy and Alembic); the interview and storage issue fills it in."""

__all__: list[str] = []
