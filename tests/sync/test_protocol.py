"""The wire types: the record kinds agree with the desktop's, text with control characters is
refused (tabs and new lines are fine), unknown fields are refused, and the JSON Schema pattern
published for text says the same as the check behind it."""

from __future__ import annotations

import re
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from hubdesk.models import RECORD_KINDS as DESKTOP_KINDS
from hubdesk.sync import protocol
from hubdesk.sync.protocol import CLEAN_PATTERN, RECORD_KINDS, EnrolRequest, Mutation

BASE = {
    "username": "north-amy",
    "password": "a long enough password",
    "device_id": str(uuid.UUID(int=7)),
    "device_name": "Laptop 3",
    "csr_pem": "-----BEGIN CERTIFICATE REQUEST-----\nx\n-----END CERTIFICATE REQUEST-----\n",
}


def test_the_hub_keeps_every_kind_the_desktop_syncs() -> None:
    assert sorted(RECORD_KINDS) == sorted(DESKTOP_KINDS)


@pytest.mark.parametrize("bad", ["Lap\x00top", "bell\x07", "esc\x1b[0m", "c1\x85", "\ufffe"])
def test_control_characters_are_refused_and_not_echoed(bad: str) -> None:
    with pytest.raises(ValidationError) as refused:
        EnrolRequest.model_validate({**BASE, "device_name": bad})
    [error] = refused.value.errors()
    assert error["loc"] == ("device_name",)
    assert "control character" in error["msg"]
    assert bad not in error["msg"]


def test_a_lone_surrogate_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        EnrolRequest.model_validate({**BASE, "device_name": "\ud800"})
    assert refused.value.errors()[0]["loc"] == ("device_name",)


def test_tabs_and_new_lines_are_text() -> None:
    assert EnrolRequest.model_validate({**BASE, "device_name": "Office\tlaptop"}).device_name


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        EnrolRequest.model_validate({**BASE, "is_admin": True})
    assert refused.value.errors()[0]["type"] == "extra_forbidden"


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=20))
def test_the_published_pattern_agrees_with_the_check(text: str) -> None:
    published = re.fullmatch(CLEAN_PATTERN.strip("^$"), text) is not None
    try:
        EnrolRequest.model_validate({**BASE, "device_name": text or "x"})
        accepted = True
    except ValidationError:
        accepted = False
    if text:
        assert published == accepted


def content_refusal(content: object) -> str | None:
    """Why a mutation with this content is refused (None when it is taken)."""
    try:
        Mutation.model_validate(
            {
                "mutation_id": str(uuid.UUID(int=9)),
                "kind": "contact_note",
                "record_id": "n-1",
                "op": "create",
                "content": content,
            }
        )
    except ValidationError as refused:
        return str(refused.errors()[0]["msg"])
    return None


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ({"narrative": "fine", "present": "bell\x07"}, "U+0007"),
        ({"sections": {"what_i_want": ["safe", "bus\x0b rides"]}}, "U+000B"),
        ({"sections": {"key\x1b": "value"}}, "U+001B"),
        ({"narrative": "first \x0c then \x85"}, "U+000C"),  # the first one is named
        ({"narrative": "\ud800"}, "U+D800"),
        ({"score": float("nan")}, "not finite"),
        ({"a": [{"b": [{"c": 1.0}]}] * 2, "d": {"e": "tab\there\nand a line"}}, None),
    ],
)
def test_content_is_checked_at_every_depth_and_keys_too(content: object, why: str | None) -> None:
    found = content_refusal(content)
    assert (found is None) if why is None else (found is not None and why in found)


@given(st.recursive(st.text(max_size=8), lambda inner: st.lists(inner, max_size=3), max_leaves=8))
def test_content_is_refused_exactly_when_some_text_in_it_is(value: object) -> None:
    def texts(v: object) -> list[str]:
        return [v] if isinstance(v, str) else [t for item in v for t in texts(item)]  # type: ignore[attr-defined]

    refused = any(re.search(f"[{CLEAN_PATTERN[3:-3]}]", t) for t in texts(value))
    assert (content_refusal({"x": value}) is not None) == refused


@pytest.mark.parametrize("around", [("", ""), ("a note ", " ends"), ("Zoë ", ""), ("“", "”")])
def test_every_character_is_refused_or_taken_alike_in_ascii_text_and_in_any_other(
    around: tuple[str, str],
) -> None:
    """Text all in ASCII is checked another way (faster, as bytes): each character is
    refused there exactly when the pattern refuses it, whatever text it is in."""
    whole = re.compile(f"[{CLEAN_PATTERN[3:-3]}\ud800-\udfff]")
    before, after = around
    for code in [*range(0x250), 0x2028, 0xD800, 0xDFFF, 0xFDD0, 0xFDEF, 0xFFFE, 0xFFFF]:
        text = f"{before}{chr(code)}{after}"
        found = protocol._forbidden_in(text)
        expected = whole.search(text)
        assert (found and found.group()) == (expected and expected.group()), hex(code)
