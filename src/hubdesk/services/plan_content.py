"""The shape of a plan version's content: the young person's words first, then the rest.

Validated with pydantic so a bad field is named in the error, and flattened to text for search.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hubdesk.errors import DomainError

AREAS: tuple[str, ...] = ("home", "school", "travel", "online", "day", "night")


class SafeUnsafe(BaseModel):
    model_config = ConfigDict(extra="forbid")
    safe: str = ""
    unsafe: str = ""


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    role: str = ""
    phone: str = ""


class PlanContent(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    what_i_want: str = ""
    what_worries_me: str = ""
    safe_and_unsafe: dict[str, SafeUnsafe] = Field(default_factory=dict)
    people_i_trust: str = ""
    what_i_will_do: str = ""
    code_word: str = ""
    contacts: list[Contact] = Field(default_factory=list)
    copies_held_by: list[str] = Field(default_factory=list)

    def text_for_search(self) -> str:
        parts = [self.what_i_want, self.what_worries_me, self.people_i_trust, self.what_i_will_do]
        for area in self.safe_and_unsafe.values():
            parts += [area.safe, area.unsafe]
        parts += [c.name for c in self.contacts]
        return "\n".join(p for p in parts if p)


def parse_content(raw: dict[str, Any]) -> PlanContent:
    try:
        content = PlanContent.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the plan"
        raise DomainError(f"The plan's {where} is not right: {first['msg']}.") from None
    unknown = set(content.safe_and_unsafe) - set(AREAS)
    if unknown:
        raise DomainError(
            f"Unknown part of the day or place in the plan: {', '.join(sorted(unknown))}. "
            f"Use {', '.join(AREAS)}."
        )
    return content
