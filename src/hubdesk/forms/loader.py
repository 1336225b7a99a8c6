"""Read a screening tool definition from JSON, or say in plain words why it cannot be used.

Three layers of problems, each reported with a JSON path and a sentence: the file is not
JSON (line and column), a field has the wrong shape (pydantic, translated out of its jargon),
or the whole does not hold together (:mod:`hubdesk.forms.check`). The app refuses a definition
with any problem: :func:`load_definition` raises :class:`DefinitionError`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from hubdesk.errors import HubDeskError
from hubdesk.forms.check import Problem, check
from hubdesk.forms.definition import Definition

__all__ = ["DefinitionError", "Problem", "json_path", "load_definition", "problems_in"]


class DefinitionError(HubDeskError):
    """A screening tool definition that cannot be used; ``problems`` lists every problem."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        more = len(problems) - 1
        tail = (
            f" ({more} more {'problem' if more == 1 else 'problems'}: "
            f"run 'hubdesk forms check {path}' to see them all)"
            if more
            else ""
        )
        first = str(problems[0]).rstrip(".")
        super().__init__(f"The screening tool definition {path} cannot be used: {first}{tail}.")
        self.path = path
        self.problems = problems


def load_definition(path: Path | str) -> Definition:
    """The definition in ``path``; raises :class:`DefinitionError` on any problem."""
    path = Path(path)
    definition, problems = _read(path)
    if definition is None or problems:
        raise DefinitionError(path, problems)
    return definition


def problems_in(path: Path | str) -> list[Problem]:
    """Every problem with the definition in ``path`` (empty when it can be used)."""
    return _read(Path(path))[1]


def parse_definition(text: str) -> tuple[Definition | None, list[Problem]]:
    """The definition in JSON ``text`` (None if it has the wrong shape) and its problems."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [Problem("", f"line {exc.lineno}, column {exc.colno}: {_json_words(exc)}")]
    try:
        definition = Definition.model_validate(data)
    except ValidationError as exc:
        return None, [_translate(error) for error in exc.errors()]
    return definition, check(definition)


def _read(path: Path) -> tuple[Definition | None, list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, [Problem("", "the file is not UTF-8 text.")]
    except OSError as exc:
        return None, [Problem("", f"the file cannot be read ({exc.strerror}).")]
    return parse_definition(text)


_JSON_WORDS = {
    "Expecting ',' delimiter": "a comma is missing between two items",
    "Expecting ':' delimiter": "a colon is missing after a field name",
    "Expecting value": "a value is missing here (a comma too many, or text without quotes?)",
    "Expecting property name enclosed in double quotes": (
        "a field name in double quotes is expected here (a comma too many?)"
    ),
    "Unterminated string starting at": "this text has no closing quote",
    "Extra data": "there is more after the end of the definition",
    "Invalid control character at": "a line break or tab inside text must be written \\n or \\t",
    "Invalid \\escape": "a backslash inside text must be written \\\\",
}


def _json_words(exc: json.JSONDecodeError) -> str:
    return _JSON_WORDS.get(exc.msg, f"this is not valid JSON ({exc.msg})") + "."


def json_path(loc: tuple[int | str, ...]) -> str:
    """``("sections", 2, "questions", 0, "weight")`` → ``sections[2].questions[0].weight``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def _choices(expected: str) -> str:
    """pydantic's "'a', 'b' or 'c'" → "a, b, c"."""
    return ", ".join(re.findall(r"'([^']*)'", expected))


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _translate(error: ErrorDetails) -> Problem:
    loc = tuple(error["loc"])
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    if kind == "extra_forbidden":
        return Problem(json_path(loc[:-1]), f"unknown field '{loc[-1]}'.")
    return Problem(json_path(loc), _sentence(kind, ctx, error["input"]))


def _sentence(kind: str, ctx: dict[str, Any], given: Any) -> str:
    simple = {
        "missing": "is missing.",
        "string_type": "must be text in quotes.",
        "bool_type": "must be true or false.",
        "bool_parsing": "must be true or false.",
        "int_type": "must be a whole number.",
        "int_parsing": "must be a whole number.",
        "int_from_float": "must be a whole number.",
        "float_type": "must be a number.",
        "float_parsing": "must be a number.",
        "list_type": "must be a list in square brackets.",
        "model_type": "must be an object in curly brackets.",
        "model_attributes_type": "must be an object in curly brackets.",
        "dict_type": "must be an object in curly brackets.",
        "string_pattern_mismatch": (
            "must start with a lower-case letter and use only lower-case letters, digits and _."
        ),
    }
    if kind in simple:
        return simple[kind]
    if kind in ("enum", "literal_error"):
        return f"'{given}' is not one of: {_choices(str(ctx.get('expected', '')))}."
    if kind == "greater_than_equal":
        return f"must be {_number(ctx['ge'])} or more."
    if kind == "less_than_equal":
        return f"must be {_number(ctx['le'])} or less."
    if kind == "string_too_short":
        return "must not be empty."
    if kind == "too_short":
        return "must have at least one item."
    return "has a value that cannot be used here."
