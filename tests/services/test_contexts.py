"""ContextService: create places and peer groups, link young people, unlink by tombstone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from faker import Faker

from hubdesk.errors import DomainError, NotFoundError
from hubdesk.models import Context, ContextLink
from hubdesk.models.enums import ContextKind, PlaceType, Reliability
from hubdesk.services import Services
from hubdesk.store.vault import Vault
from tests.services.helpers import new_person, stored

NOW = datetime(2025, 9, 1, 8, 30, tzinfo=UTC)
FAKER_SEED = 4242


def test_create_keeps_the_context(services: Services, vault: Vault) -> None:
    context_id = services.contexts.create(
        kind="place",
        name="  Chicken shop, Soho Road ",
        description="Older males hang around after 9pm",
        place_type="shop_or_takeaway",
        area=" Handsworth ",
    )
    context = stored(vault, Context, context_id)
    assert context.kind is ContextKind.PLACE
    assert context.name == "Chicken shop, Soho Road"
    assert context.place_type is PlaceType.SHOP_OR_TAKEAWAY
    assert context.area == "Handsworth"


def test_create_needs_a_name(services: Services) -> None:
    with pytest.raises(DomainError) as caught:
        services.contexts.create(kind=ContextKind.PEER_GROUP, name=" ")
    assert caught.value.message == "Write a name for the context; it cannot be left empty."
    assert services.contexts.all() == []


def test_an_unknown_kind_is_refused_plainly(services: Services) -> None:
    with pytest.raises(DomainError, match="kind"):
        services.contexts.create(kind="street_corner", name="Corner of Lozells Road")


def test_all_lists_contexts_by_name(services: Services) -> None:
    for name in ("Park", "Bus station", "Gaming server"):
        services.contexts.create(kind="place", name=name)
    assert [c.name for c in services.contexts.all()] == ["Bus station", "Gaming server", "Park"]


def test_link_keeps_why_reliability_and_weight(
    services: Services, vault: Vault, fake: Faker
) -> None:
    pid = new_person(services, fake)
    context_id = services.contexts.create(kind="online_space", name="Group chat 'the mandem'")
    link_id = services.contexts.link(
        pid, context_id, why="Added by older boys", reliability="confirmed", weight=1
    )
    link = stored(vault, ContextLink, link_id)
    assert (link.young_person_id, link.context_id) == (pid, context_id)
    assert link.why == "Added by older boys"
    assert link.reliability is Reliability.CONFIRMED
    assert link.weight == 1


def test_one_context_links_many_young_people(services: Services, fake: Faker) -> None:
    context_id = services.contexts.create(kind="place", name="Underpass by the canal")
    people = [new_person(services, fake) for _ in range(3)]
    for pid in people:
        services.contexts.link(pid, context_id, why="Named in a safety map as unsafe")
    linked = [services.cases.case_file(pid).context_links[0].context_id for pid in people]
    assert linked == [context_id] * 3


def test_a_duplicate_link_is_refused(services: Services, fake: Faker) -> None:
    pid = new_person(services, fake)
    context_id = services.contexts.create(kind="school", name="Moor Lane Academy")
    services.contexts.link(pid, context_id, why="Attends")
    with pytest.raises(DomainError) as caught:
        services.contexts.link(pid, context_id, why="Attends, again")
    assert caught.value.message == "This young person is already linked to that context."
    assert len(services.cases.case_file(pid).context_links) == 1


def test_link_needs_a_reason(services: Services, fake: Faker) -> None:
    pid = new_person(services, fake)
    context_id = services.contexts.create(kind="school", name="Moor Lane Academy")
    with pytest.raises(DomainError) as caught:
        services.contexts.link(pid, context_id, why="")
    assert caught.value.message == (
        "Write why this context matters for the young person; it cannot be left empty."
    )


def test_link_to_an_unknown_context_is_not_found(services: Services, fake: Faker) -> None:
    pid = new_person(services, fake)
    with pytest.raises(NotFoundError) as caught:
        services.contexts.link(pid, "00000000-0000-4000-8000-000000000000", why="x")
    assert caught.value.message.startswith("There is no context with id")


def test_unlink_leaves_a_tombstone(fixed: Services, vault: Vault, fake: Faker) -> None:
    pid = new_person(fixed, fake)
    context_id = fixed.contexts.create(kind="place", name="Retail park car park")
    link_id = fixed.contexts.link(pid, context_id, why="Picked up there by cars")
    fixed.contexts.unlink(link_id, "Information was about another young person")
    link = stored(vault, ContextLink, link_id)
    assert link.deleted_at == NOW
    assert link.why == "Picked up there by cars"
    assert fixed.cases.case_file(pid).context_links == []


def test_unlink_needs_a_reason_and_keeps_the_link(services: Services, fake: Faker) -> None:
    pid = new_person(services, fake)
    context_id = services.contexts.create(kind="place", name="Retail park car park")
    link_id = services.contexts.link(pid, context_id, why="Picked up there")
    with pytest.raises(DomainError) as caught:
        services.contexts.unlink(link_id, " ")
    assert caught.value.message == "Write why the link is removed; it cannot be left empty."
    assert [x.id for x in services.cases.case_file(pid).context_links] == [link_id]


def test_unlinking_twice_is_not_found(services: Services, fake: Faker) -> None:
    pid = new_person(services, fake)
    context_id = services.contexts.create(kind="place", name="Retail park car park")
    link_id = services.contexts.link(pid, context_id, why="Picked up there")
    services.contexts.unlink(link_id, "Wrong child")
    with pytest.raises(NotFoundError) as caught:
        services.contexts.unlink(link_id, "Wrong child")
    assert caught.value.message == f"There is no context link with id {link_id} in this vault."


def test_relinking_after_unlink_revives_the_same_row(
    services: Services, vault: Vault, fake: Faker
) -> None:
    pid = new_person(services, fake)
    context_id = services.contexts.create(kind="place", name="Retail park car park")
    link_id = services.contexts.link(pid, context_id, why="First report")
    services.contexts.unlink(link_id, "Not confirmed")
    again = services.contexts.link(pid, context_id, why="Confirmed by police", reliability="likely")
    assert again == link_id
    link = stored(vault, ContextLink, link_id)
    assert link.deleted_at is None
    assert (link.why, link.reliability) == ("Confirmed by police", Reliability.LIKELY)


def test_others_linked_leaves_out_the_young_person_and_removed_links(
    services: Services, fake: Faker
) -> None:
    context_id = services.contexts.create(kind="peer_group", name="Friends from the estate")
    elsewhere = services.contexts.create(kind="place", name="Skate park")
    first, second, third, unlinked = (new_person(services, fake) for _ in range(4))
    for pid in (first, second, third):
        services.contexts.link(pid, context_id, why="Spends evenings with the group")
    services.contexts.link(unlinked, elsewhere, why="Goes there after school")
    removed = services.cases.case_file(third).context_links[0].id
    services.contexts.unlink(removed, "Information was about another young person")
    others = services.contexts.others_linked(context_id, except_young_person_id=first)
    assert [p.id for p in others] == [second]
    assert [p.id for p in services.contexts.others_linked(elsewhere, first)] == [unlinked]
