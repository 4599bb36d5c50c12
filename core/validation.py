"""Validation messages in people's words: the field as the form names it, and what to do.

Every form's refusal goes through `explain` (or `problems` for a list), given the form's labels
for its model's fields; a field without a label is named from its code in plain words.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError


def field_label(field: str, labels: Mapping[str, str] | None = None) -> str:
    """The form's name for a field, else its code in words ('planned_launch' -> 'Planned launch')."""
    if labels and field in labels:
        return labels[field]
    words = field.split(".")[-1].removesuffix("_id").removesuffix("_utc").replace("_", " ")
    return words.capitalize()


def _sentence(error: dict, label: str) -> str:
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return f"{label} is required: fill it in."
    if kind == "string_too_short":
        return f"{label} is too short: type at least {ctx.get('min_length')} characters."
    if kind == "string_too_long":
        return f"{label} is too long: keep it to {ctx.get('max_length')} characters at most."
    if kind == "string_pattern_mismatch":
        return f"{label} is not in the expected form: see the field's help."
    if kind in ("too_short", "too_long"):
        return f"{label}: {message[0].lower() + message[1:] if message else 'check it'}."
    if kind in ("int_parsing", "int_type", "float_parsing", "float_type", "int_from_float"):
        return f"{label} must be a number."
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = {
            "greater_than_equal": f"at least {ctx.get('ge')}",
            "greater_than": f"more than {ctx.get('gt')}",
            "less_than_equal": f"at most {ctx.get('le')}",
            "less_than": f"less than {ctx.get('lt')}",
        }[kind]
        return f"{label} must be {bound}."
    if kind in ("literal_error", "enum"):
        return f"{label}: choose one of the options offered."
    if kind.startswith(("date_", "datetime_")) or kind in ("date_type", "datetime_type"):
        return f"{label} must be a date, like 2026-03-31."
    if kind.startswith("bool_"):
        return f"{label} must be yes or no."
    if "valid email" in message:
        detail = message.split(":", 1)[1].strip() if ":" in message else ""
        return f"{label} is not a valid e-mail address{': ' + detail if detail else ''}"
    if not label:  # a rule across fields: said as the model says it
        return message
    return f"{label}: {message}"


def problems(
    exc: ValidationError, labels: Mapping[str, str] | None = None, *, where: str = ""
) -> list[str]:
    """One sentence per problem, naming the field as the form does (prefixed by `where`)."""
    out = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error.get("loc", ()))
        label = field_label(field, labels) if field else ""
        sentence = _sentence(error, label)
        out.append(f"{where}: {sentence}" if where else sentence)
    return out


def explain(exc: ValidationError, labels: Mapping[str, str] | None = None) -> str:
    """All problems of one form as one line."""
    return " ".join(problems(exc, labels))
