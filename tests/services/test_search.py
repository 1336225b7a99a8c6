"""Search: notes, addenda, plans and names through FTS5, accent-folded, prefix as you type,
and safe whatever the user types."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, timedelta

import pytest
from faker import Faker
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubdesk.services import Services
from hubdesk.services.plans import ActionInput
from hubdesk.store.search import to_match_query

NOW = datetime.now(UTC)
FAKER_SEED = 1313


def fold(text: str) -> str:
    """What a practitioner without an accent key types: 'Zoë' → 'zoe'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def kinds_and_ids(services: Services, text: str) -> set[tuple[str, str]]:
    return {(r.record_kind, r.record_id) for r in services.search.search(text)}


@pytest.fixture
def zoe(services: Services) -> str:
    return services.cases.add(given_name="Zoë", family_name="O'Neill", preferred_name="Zo")


def test_words_in_a_note_narrative_are_found(services: Services, zoe: str) -> None:
    note_id = services.notes.add(
        zoe, kind="home_visit", occurred_at=NOW, narrative="She showed me a new skateboard."
    )
    results = services.search.search("skateboard")
    assert [(r.record_kind, r.record_id, r.young_person_id) for r in results] == [
        ("contact_note", note_id, zoe)
    ]
    assert results[0].display_name == "Zo O'Neill"
    assert "[skateboard]" in results[0].snippet


def test_prefix_search_as_you_type(services: Services, zoe: str) -> None:
    note_id = services.notes.add(
        zoe, kind="home_visit", occurred_at=NOW, narrative="She showed me a new skateboard."
    )
    for typed in ("s", "sk", "skat", "SKATEB"):
        assert ("contact_note", note_id) in kinds_and_ids(services, typed), typed
    assert kinds_and_ids(services, "skateboards") == set()


def test_every_word_must_match(services: Services, zoe: str) -> None:
    services.notes.add(zoe, kind="phone", occurred_at=NOW, narrative="Talked about the bus pass.")
    assert len(services.search.search("bus pass")) == 1
    assert services.search.search("bus ticket") == []


def test_words_in_an_addendum_are_found(services: Services, zoe: str) -> None:
    note_id = services.notes.add(zoe, kind="phone", occurred_at=NOW, narrative="Rang her.")
    services.notes.finalise(note_id)
    services.notes.add_addendum(note_id, "Her nan lives in Wolverhampton, not Dudley.")
    assert kinds_and_ids(services, "wolverhampton") == {("contact_note", note_id)}
    assert kinds_and_ids(services, "rang") == {("contact_note", note_id)}


def test_words_in_plan_content_and_actions_are_found(services: Services, zoe: str) -> None:
    plan_id = services.plans.create(young_person_id=zoe)
    services.plans.save_draft(
        plan_id,
        content={
            "what_worries_me": "The trampoline park on a Saturday.",
            "safe_and_unsafe": {"night": {"safe": "", "unsafe": "The underpass"}},
            "contacts": [{"name": "Siobhán Kowalczyk"}],
        },
        review_date=date.today() + timedelta(days=10),
        actions=[ActionInput("Arrange a taxi home from netball", "Foster carer", "Fostering")],
    )
    for word in ("trampoline", "underpass", "kowalczyk", "siobhan", "netball", "fostering"):
        assert kinds_and_ids(services, word) == {("safety_plan", plan_id)}, word
    result = services.search.search("trampoline")[0]
    assert (result.young_person_id, result.display_name) == (zoe, "Zo O'Neill")


def test_a_contextual_plan_has_no_young_person(services: Services) -> None:
    context_id = services.contexts.create(kind="place", name="Bus station")
    plan_id = services.plans.create(context_id=context_id)
    services.plans.save_draft(plan_id, content={"what_i_will_do": "Patrol the stands at 4pm"})
    [result] = services.search.search("patrol")
    assert (result.record_id, result.young_person_id, result.display_name) == (plan_id, None, "")


def test_names_are_found_accent_folded(services: Services, zoe: str, fake: Faker) -> None:
    for typed in ("zoe", "Zoë", "ZOË", "o'neill", "neill", "zo o'n"):
        hits = {
            r.record_id for r in services.search.search(typed) if r.record_kind == "young_person"
        }
        assert hits == {zoe}, typed
    given = next(n for n in iter(fake["fr_FR"].first_name, None) if not n.isascii())
    family = next(n for n in iter(fake["en_IE"].last_name, None) if "'" in n)
    other = services.cases.add(given_name=given, family_name=family)
    [hit] = services.search.search(f"{fold(given)} {fold(family)}")
    assert (hit.record_kind, hit.record_id) == ("young_person", other)
    assert hit.display_name == f"{given} {family}"
    assert hit.snippet == ""


def test_accents_typed_find_unaccented_text_too(services: Services, zoe: str) -> None:
    services.notes.add(
        zoe, kind="phone", occurred_at=NOW, narrative="Went to the cafe on Soho Road."
    )
    assert len(services.search.search("café")) == 1


def test_renaming_re_indexes_the_name(services: Services, zoe: str) -> None:
    services.cases.update(zoe, family_name="Kowalski", preferred_name=None)
    assert services.search.search("neill") == []
    [hit] = services.search.search("kowalski")
    assert hit.display_name == "Zoë Kowalski"


def test_editing_a_draft_re_indexes_it(services: Services, zoe: str) -> None:
    note_id = services.notes.add(zoe, kind="phone", occurred_at=NOW, narrative="Met at the lido.")
    services.notes.edit_draft(note_id, narrative="Met at the library.")
    assert services.search.search("lido") == []
    assert kinds_and_ids(services, "library") == {("contact_note", note_id)}
    services.notes.edit_draft(note_id, present="Aunt Bríd")
    assert kinds_and_ids(services, "brid") == {("contact_note", note_id)}
    assert kinds_and_ids(services, "library") == {("contact_note", note_id)}


def test_a_removed_plan_action_is_no_longer_found(services: Services, zoe: str) -> None:
    plan_id = services.plans.create(young_person_id=zoe)
    services.plans.save_draft(plan_id, actions=[ActionInput("Weekly trampolining", "Carer")])
    services.plans.save_draft(plan_id, actions=[ActionInput("Fortnightly swimming", "Carer")])
    assert kinds_and_ids(services, "swimming") == {("safety_plan", plan_id)}
    assert services.search.search("trampolining") == []


USER_TYPED = [
    '"',
    '""',
    '"skate',
    "skate*",
    "*",
    "-",
    "-skate",
    "skate -board",
    "NEAR",
    "NEAR(skate board)",
    "skate NEAR board",
    "body:skate",
    ":",
    "(",
    ")",
    "(skate OR",
    "AND",
    "OR NOT",
    "^skate",
    "{body}: skate",
    "skate + board",
    "'",
    "O'Neill",
    "\\",
    "%_",
    "; DROP TABLE search_fts; --",
    "",
    "   ",
]


@pytest.mark.parametrize("typed", USER_TYPED)
def test_fts_syntax_typed_by_a_user_never_raises(services: Services, zoe: str, typed: str) -> None:
    note_id = services.notes.add(
        zoe, kind="phone", occurred_at=NOW, narrative="skate board NEAR AND body O'Neill"
    )
    results = services.search.search(typed)
    assert isinstance(results, list)
    if to_match_query(typed) is None:
        assert results == []
    else:
        assert all(r.record_id in {note_id, zoe} for r in results)


def test_syntax_words_are_searched_as_plain_words(services: Services, zoe: str) -> None:
    note_id = services.notes.add(
        zoe, kind="phone", occurred_at=NOW, narrative="She said she would go NEAR the station."
    )
    assert kinds_and_ids(services, "NEAR") == {("contact_note", note_id)}
    assert kinds_and_ids(services, "near station") == {("contact_note", note_id)}
    assert services.search.search("OR") == []


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(typed=st.text(max_size=40))
def test_any_text_typed_never_raises(services: Services, typed: str) -> None:
    assert isinstance(services.search.search(typed), list)


def test_the_limit_caps_the_results(services: Services, zoe: str) -> None:
    for i in range(5):
        services.notes.add(zoe, kind="phone", occurred_at=NOW, narrative=f"Phone call {i}")
    assert len(services.search.search("phone")) == 5
    assert len(services.search.search("phone", limit=2)) == 2
