"""The proposal: a use case as the proposer describes it, with readable validation errors."""

from __future__ import annotations

import json
import re
from enum import StrEnum
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

__all__ = [
    "INTERVIEW_RECORD_FIELDS",
    "MAX_TEXT_LENGTH",
    "Origin",
    "PilotStatus",
    "Proposal",
    "ProposalError",
    "Retraining",
    "Serving",
    "parse_proposal",
]

MAX_TEXT_LENGTH: Final = 4000


class Origin(StrEnum):
    BUSINESS_NEED = "business_need"
    VENDOR_PITCH = "vendor_pitch"
    COMPETITOR_MOVE = "competitor_move"
    LEADERSHIP_MANDATE = "leadership_mandate"
    TECHNOLOGY_EXPLORATION = "technology_exploration"
    UNKNOWN = "unknown"


class Retraining(StrEnum):
    NEVER = "never"
    YEARLY = "yearly"
    QUARTERLY = "quarterly"
    MONTHLY = "monthly"
    WEEKLY = "weekly"
    DAILY = "daily"
    CONTINUOUS = "continuous"
    UNKNOWN = "unknown"


class Serving(StrEnum):
    BATCH = "batch"
    ONLINE = "online"
    STREAMING = "streaming"
    EDGE = "edge"
    UNKNOWN = "unknown"


class PilotStatus(StrEnum):
    NONE = "none"
    BUILDING = "building"
    LIVE = "live"
    STALLED = "stalled"
    PRODUCTION = "production"


# What the interview keeps beside the answers' values; no question asks for these.
INTERVIEW_RECORD_FIELDS: Final = ("said", "uncertain", "followed_up")
# A key of `said`: a proposal field, or `follow_up.<flag>` for the answer to a follow-up question.
_SAID_KEY: Final = re.compile(r"^(?:follow_up\.)?[a-z][a-z_]*$")

_ENUM_FIELDS: Final[dict[str, type[StrEnum]]] = {
    "origin": Origin,
    "retraining": Retraining,
    "serving": Serving,
    "pilot_status": PilotStatus,
}


class Proposal(BaseModel):
    """A proposed ML use case. Field names and enum values are a public contract."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=MAX_TEXT_LENGTH)
    problem: str | None = Field(default=None, max_length=MAX_TEXT_LENGTH)
    origin: Origin = Origin.UNKNOWN
    business_owner: str | None = Field(default=None, max_length=MAX_TEXT_LENGTH)
    kpi: str | None = Field(default=None, max_length=MAX_TEXT_LENGTH)
    annual_value_eur: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    annual_cost_eur: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    new_data_per_week: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    retraining: Retraining = Retraining.UNKNOWN
    models: int = Field(default=1, ge=0)
    serving: Serving = Serving.UNKNOWN
    ml_engineers: int | None = Field(default=None, ge=0)
    data_scientists: int | None = Field(default=None, ge=0)
    security_gaps: bool | None = None
    data_access: bool | None = None
    pilot_status: PilotStatus = PilotStatus.NONE
    operating_plan: str | None = Field(default=None, max_length=MAX_TEXT_LENGTH)
    notes: str | None = Field(default=None, max_length=MAX_TEXT_LENGTH)
    # The words a person typed where the value recorded is not those words (a choice, a number,
    # yes/no) or where no field holds them (a follow-up answer), keyed by field or
    # `follow_up.<flag>`: the detectors read them, and the verdict quotes them.
    said: dict[str, str] = {}
    # Fields whose value the person called a guess ("maybe 800k? hard to say").
    uncertain: tuple[str, ...] = ()
    # Flags whose follow-up question the interview asked and the person answered.
    followed_up: tuple[str, ...] = ()

    @field_validator("said", "uncertain", "followed_up", mode="before")
    @classmethod
    def _json_cell(cls, value: object, info: ValidationInfo) -> object:
        # A CSV cell carries these as JSON (the export writes them so); an empty cell is none.
        if isinstance(value, str):
            value = json.loads(value) if value.strip() else None
        if value is None:
            return {} if info.field_name == "said" else ()
        return value

    @field_validator("said")
    @classmethod
    def _said_keys_and_lengths(cls, value: dict[str, str]) -> dict[str, str]:
        for key, text in value.items():
            if not _SAID_KEY.match(key):
                raise ValueError(f"{key!r} is not a field or follow_up.<flag>")
            if len(text) > MAX_TEXT_LENGTH:
                raise ValueError(f"the words for {key!r} are longer than {MAX_TEXT_LENGTH}")
        return {key: text.strip() for key, text in value.items() if text.strip()}

    @field_validator("problem", "business_owner", "kpi", "operating_plan", "notes", mode="before")
    @classmethod
    def _blank_text_is_missing(cls, value: object) -> object:
        # Forms, CSV cells and chat answers send "" for "nothing to say": that is a missing answer.
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("origin", "retraining", "serving", "pilot_status", mode="before")
    @classmethod
    def _loose_enum_spelling(cls, value: object, info: ValidationInfo) -> object:
        # "Vendor pitch" and "vendor-pitch" mean vendor_pitch; an empty cell means the default.
        if value is None or (isinstance(value, str) and not value.strip()):
            return cls.model_fields[str(info.field_name)].default
        if isinstance(value, str):
            return value.strip().lower().replace("-", "_").replace(" ", "_")
        return value

    @field_validator("models", mode="before")
    @classmethod
    def _missing_model_count_is_one(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return 1
        return value

    @field_validator(
        "annual_value_eur",
        "annual_cost_eur",
        "new_data_per_week",
        "ml_engineers",
        "data_scientists",
        "security_gaps",
        "data_access",
        mode="before",
    )
    @classmethod
    def _blank_cell_is_missing(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value


class ProposalError(ValueError):
    """A proposal failed validation; `problems` holds one readable line per bad field."""

    def __init__(self, problems: list[tuple[str | None, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(message for _, message in problems))

    @property
    def fields(self) -> list[str | None]:
        return [field for field, _ in self.problems]


def parse_proposal(data: object) -> Proposal:
    """Validate raw data (a mapping from JSON, YAML, CSV or a form) into a Proposal.

    Raises ProposalError whose messages name the field, the value and what is allowed.
    """
    if not isinstance(data, dict):
        raise ProposalError([(None, f"a proposal must be a mapping of fields, got {_show(data)}")])
    try:
        return Proposal.model_validate(data)
    except ValidationError as error:
        raise ProposalError([_describe(err) for err in error.errors(include_url=False)]) from None


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _describe(err: Any) -> tuple[str | None, str]:
    loc = err.get("loc") or ()
    field = str(loc[0]) if loc else None
    kind = err.get("type", "")
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        allowed = ", ".join(Proposal.model_fields)
        return field, f"unknown field {field!r}; allowed fields are: {allowed}"
    if kind == "missing":
        return field, f"field {field!r} is required"
    if field in _ENUM_FIELDS and kind in {"enum", "string_type"}:
        allowed = ", ".join(member.value for member in _ENUM_FIELDS[field])
        return field, f"field {field!r}: {_show(value)} is not allowed; use one of: {allowed}"
    if kind == "string_too_long":
        return field, (
            f"field {field!r}: text of {len(value)} characters is too long;"
            f" at most {ctx.get('max_length', MAX_TEXT_LENGTH)} allowed"
        )
    if kind == "string_too_short":
        return field, f"field {field!r} must not be empty"
    if kind in {"greater_than_equal", "greater_than"}:
        return field, f"field {field!r}: {_show(value)} is negative; it must be 0 or more"
    if kind.startswith(("int_", "float_", "finite_")):
        what = "a whole number" if kind.startswith("int_") else "a number"
        return field, f"field {field!r}: {_show(value)} is not {what} (0 or more)"
    if kind.startswith("bool_"):
        return field, f"field {field!r}: {_show(value)} is not yes/no (true or false)"
    if kind == "string_type":
        return field, f"field {field!r}: {_show(value)} is not text"
    return field, f"field {field!r}: {_show(value)}: {err.get('msg', 'invalid value')}"
