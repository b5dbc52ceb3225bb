"""How a setting's value is read and checked: the `QA_<NAME>` variables of the environment,
rules of a parsed value with a one-line message each, and a pydantic error as one line (the
parts of `core.settings.Settings` that are not its fields)."""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, ValidationError, ValidationInfo
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

__all__ = [
    "BETWEEN",
    "FIX",
    "Environment",
    "Share",
    "UserPath",
    "between",
    "comma_separated",
    "is_host",
    "one_line",
    "positive",
    "rule",
    "user_path",
]

_HOST_NAME_RE = re.compile(r"^[A-Za-z0-9.-]+$")


def is_host(host: str) -> bool:
    """Whether `host` is an IP address (IPv6 in brackets or not) or a host name."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return bool(_HOST_NAME_RE.match(host))
    return True


def rule(ok: Callable[[Any], bool], message: str) -> AfterValidator:
    """A check of a parsed value: it passes when `ok(value)` (None always passes); else
    `message`, formatted with the field's `name`, its variable `env` and the `value`."""

    def check(value: Any, info: ValidationInfo) -> Any:
        if value is not None and not ok(value):
            name = info.field_name or ""
            raise ValueError(message.format(name=name, env=f"QA_{name.upper()}", value=value))
        return value

    return AfterValidator(check)


def between(lo: float, hi: float) -> Callable[[Any], bool]:
    """The check of a finite number in [lo, hi]."""
    return lambda v: math.isfinite(v) and lo <= v <= hi


def positive(v: float) -> bool:
    """Whether `v` is a finite number above 0."""
    return math.isfinite(v) and v > 0


def comma_separated(value: Any) -> Any:
    """A variable's `a, b` as `("a", "b")`; tuples and lists pass through."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


def user_path(value: Any) -> Any:
    """A variable's path with `~` expanded; other values pass through."""
    return Path(value).expanduser() if isinstance(value, str) else value


# A rule's message for a range: `BETWEEN.format(name="{name}", lo=1, hi=9)`.
BETWEEN = "{name} must be between {lo} and {hi}, got {{value}}"
FIX = "; fix or unset {env}"  # the end of a rule's message that names the variable
UserPath = Annotated[Path, BeforeValidator(user_path)]
Share = Annotated[float, rule(between(0.0, 1.0), "{name} must be between 0 and 1, got {value}")]


class Environment(PydanticBaseSettingsSource):
    """The `QA_<NAME>` variables of a mapping, as given (pydantic parses them); empty ones are
    left out."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self.env = env

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        raw = self.env.get(f"QA_{field_name.upper()}")
        return (raw.strip() if raw and raw.strip() else None), field_name, False

    def __call__(self) -> dict[str, Any]:
        found = (
            (name, self.get_field_value(field, name)[0])
            for name, field in self.settings_cls.model_fields.items()
        )
        return {name: value for name, value in found if value is not None}


def one_line(exc: ValidationError) -> str:
    """The first problem of `exc` as one line: our own message, or for a value that is no
    number, `QA_NAME='value' is not a valid int; fix or unset it`."""
    error = exc.errors()[0]
    name = str(error["loc"][0]) if error["loc"] else ""
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    if error["type"] == "literal_error":
        expected = error["ctx"]["expected"]
        return f"{name} must be {expected}, got {error['input']!r}; fix or unset QA_{name.upper()}"
    if error["type"].endswith("_parsing") or error["type"].endswith("_type"):
        kind = error["type"].split("_")[0]
        return f"QA_{name.upper()}={error['input']!r} is not a valid {kind}; fix or unset it"
    return f"{name}: {error['msg']} (got {error.get('input')!r}); fix or unset QA_{name.upper()}"
