"""Vocabularies shared by several records. Values are stored; labels are shown."""

from __future__ import annotations

import enum


class Level(enum.StrEnum):
    """Screening levels, lowest first (the shipped tool's wording; an authority may rename)."""

    NO_IDENTIFIED_CONCERN = "no_identified_concern"
    EMERGING = "emerging"
    MODERATE = "moderate"
    SIGNIFICANT = "significant"

    @property
    def rank(self) -> int:
        return list(Level).index(self)


class CaseStatus(enum.StrEnum):
    REFERRED = "referred"
    OPEN = "open"
    CLOSED = "closed"


class HarmType(enum.StrEnum):
    CRIMINAL_EXPLOITATION = "criminal_exploitation"
    SEXUAL_EXPLOITATION = "sexual_exploitation"
    COUNTY_LINES = "county_lines"
    SERIOUS_YOUTH_VIOLENCE = "serious_youth_violence"
    ONLINE_HARM = "online_harm"
    TRAFFICKING = "trafficking"
    RADICALISATION = "radicalisation"


class ContextKind(enum.StrEnum):
    PLACE = "place"
    PEER_GROUP = "peer_group"
    SCHOOL = "school"
    ONLINE_SPACE = "online_space"


class PlaceType(enum.StrEnum):
    PUBLIC_PLACE = "public_place"
    PRIVATE_ADDRESS = "private_address"
    TRANSPORT_HUB = "transport_hub"
    HOTEL = "hotel"
    SHOP_OR_TAKEAWAY = "shop_or_takeaway"
    ONLINE = "online"
    OTHER = "other"


class Reliability(enum.StrEnum):
    """How far the information linking a young person to a context can be relied on."""

    CONFIRMED = "confirmed"
    LIKELY = "likely"
    POSSIBLE = "possible"
    NOT_KNOWN = "not_known"


class MeetingKind(enum.StrEnum):
    DAILY_TRIAGE = "daily_triage"
    PANEL = "panel"
    STRATEGY_DISCUSSION = "strategy_discussion"
    CONTEXT_CONFERENCE = "context_conference"
