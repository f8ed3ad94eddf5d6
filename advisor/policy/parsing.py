"""Reading a policy: YAML text, whole or as an override of the bundled one, to a checked Policy."""

from __future__ import annotations

from importlib.resources import files
from typing import Any, Final

import yaml
from pydantic import ValidationError

from advisor.policy.errors import PolicyError
from advisor.policy.schema import Policy

__all__ = ["DEFAULT", "parse_policy"]

# The C loader when PyYAML was built with libyaml: the policy is parsed at every start.
_YAML_LOADER: Final = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_policy(text: str, *, over_default: bool = False, compile_now: bool = True) -> Policy:
    """Build a Policy from YAML text; PolicyError names the offending key.

    With `over_default`, the text only needs the keys it changes: mappings are merged into the
    bundled policy key by key, while lists and values replace the bundled ones. Every pattern is
    compiled at once unless `compile_now` is false (the bundled policy, whose patterns a test
    compiles, leaves them to first use so that start-up stays short).
    """
    data = _load_mapping(text)
    if over_default:
        data = _merge(_load_mapping(_BUNDLED_TEXT), data)
    try:
        policy = Policy.model_validate(data)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        key = ".".join(str(part) for part in first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = "unknown key"
        raise PolicyError(
            f"invalid policy: key {key!r}: {message}" if key else f"invalid policy: {message}"
        ) from None
    if compile_now:
        policy.matcher.compile_all()
    return policy


def _load_mapping(text: str) -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as error:
        raise PolicyError(f"invalid policy: not valid YAML ({error})") from None
    if not isinstance(data, dict):
        raise PolicyError("invalid policy: the top level must be a mapping of keys")
    return data


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


# The core reads only the policy bundled inside its own package; a deployment's override is read
# by the shell (bot/) and handed in as text, so the core itself never touches the file system.
_BUNDLED_TEXT: Final = files("advisor").joinpath("policy.yaml").read_text(encoding="utf-8")
DEFAULT: Final[Policy] = parse_policy(_BUNDLED_TEXT, compile_now=False)
