"""The caseload's rows, filters and model, without a window."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType
from typing import Any

from pytestqt.modeltest import ModelTester

from hubdesk.models.enums import CaseStatus, Level
from hubdesk.services import Services
from hubdesk.views.caseload_filter import (
    CaseFilter,
    ReviewChoice,
    ReviewState,
    StatusChoice,
    fold,
    review_state,
    still_useful,
)
from hubdesk.views.caseload_model import (
    ID_ROLE,
    LEVEL,
    MATCHED_IN,
    NAME,
    NEXT_REVIEW,
    NOT_SCREENED_RANK,
    CaseloadTableModel,
    CaseRow,
    caseload_rows,
)
from hubdesk.views.qt import QPersistentModelIndex, Qt

TODAY = date(2026, 11, 20)


def row(pid: str, name: str, **kw: Any) -> CaseRow:
    return CaseRow(pid, name, **kw)


ROWS = [
    row("zoe", "Zoë Hall", level="Moderate", flags=("Missing",)),
    row("neill", "Aled O'Neill", level="Significant", review_state=ReviewState.OVERDUE),
    row("bryn", "Bryn Ellis", review_state=ReviewState.DUE_SOON, flags=("Looked after",)),
    row("cara", "Cara Jones", status=CaseStatus.CLOSED, level="Emerging"),
    row("dev", "Dev Shah", status=CaseStatus.REFERRED, flags=("NRM referral", "Missing")),
]


def ids(case_filter: CaseFilter) -> list[str]:
    return [r.young_person_id for r in ROWS if case_filter.accepts(r)]


def test_folding_ignores_accents_case_and_apostrophes() -> None:
    assert fold("Zoë") == "zoe"
    assert fold("O'Neill") == fold("O\u2019NEILL") == "oneill"
    assert fold("Siân Dáire") == "sian daire"


def test_review_state_against_today() -> None:
    assert review_state(None, TODAY) is ReviewState.NONE
    assert review_state(TODAY - timedelta(days=1), TODAY) is ReviewState.OVERDUE
    assert review_state(TODAY, TODAY) is ReviewState.DUE_SOON
    assert review_state(TODAY + timedelta(days=14), TODAY) is ReviewState.DUE_SOON
    assert review_state(TODAY + timedelta(days=15), TODAY) is ReviewState.LATER


def test_each_filter_narrows() -> None:
    assert ids(CaseFilter()) == ["zoe", "neill", "bryn", "dev"]
    assert ids(CaseFilter(status=StatusChoice.CLOSED)) == ["cara"]
    assert len(ids(CaseFilter(status=StatusChoice.ALL))) == 5
    assert ids(CaseFilter(level_rank=Level.SIGNIFICANT.rank)) == ["neill"]
    assert ids(CaseFilter(level_rank=NOT_SCREENED_RANK)) == ["bryn", "dev"]
    assert ids(CaseFilter(review=ReviewChoice.OVERDUE)) == ["neill"]
    assert ids(CaseFilter(review=ReviewChoice.DUE_SOON)) == ["bryn"]
    assert ids(CaseFilter(flag="Missing")) == ["zoe", "dev"]
    assert ids(CaseFilter(flag="NRM referral")) == ["dev"]
    assert ids(CaseFilter(flag="Missing", level_rank=Level.MODERATE.rank)) == ["zoe"]


def test_names_are_found_without_accents_case_or_apostrophes() -> None:
    assert ids(CaseFilter(text="zoe")) == ["zoe"]
    assert ids(CaseFilter(text="ONEILL")) == ["neill"]
    assert ids(CaseFilter(text="o'neill aled")) == ["neill"]
    assert ids(CaseFilter(text="nobody")) == []
    # Marks alone are no search at all: everyone stays listed.
    assert ids(CaseFilter(text='"')) == ids(CaseFilter())


def test_full_text_matches_add_rows_and_say_where() -> None:
    found = CaseFilter(
        text="trainers", text_matches=MappingProxyType({"bryn": ("contact note", "safety plan")})
    )
    assert ids(found) == ["bryn"]
    assert found.matched_in(ROWS[2]) == "contact note, safety plan"
    both = CaseFilter(text="zoe", text_matches=MappingProxyType({"zoe": ("contact note",)}))
    assert both.matched_in(ROWS[0]) == "name, contact note"
    assert CaseFilter().matched_in(ROWS[0]) == ""


def test_earlier_matches_stand_in_only_for_a_related_search() -> None:
    assert still_useful("train", "trainers")
    assert still_useful("trainers", "trai")
    assert not still_useful("trainers", "bus")
    assert not still_useful("", "bus")


def test_rows_from_the_vault_carry_level_review_flags_and_status(services: Services) -> None:
    today = services.cases.today()
    zoe = services.cases.add(
        given_name="Zoë",
        family_name="Hall",
        preferred_name="Zo",
        next_review_date=today - timedelta(days=2),
        flag_looked_after=True,
    )
    services.cases.set_level(zoe, Level.SIGNIFICANT, "Seen at the retail park with older men.")
    services.missing.report(zoe, started_at=datetime.now(UTC) - timedelta(hours=3))
    aled = services.cases.add(given_name="Aled", family_name="Price")
    services.work.refer_nrm(
        aled,
        referred_on=today,
        first_responder="Children's social care",
        exploitation_types=["criminal_exploitation"],
        summary="Made to carry drugs for others.",
    )
    gone = services.cases.add(given_name="Cara", family_name="Jones")
    services.cases.close(gone, "Moved to another authority.")

    rows = {r.young_person_id: r for r in caseload_rows(services, today=today)}
    assert set(rows) == {zoe, aled}
    assert rows[zoe].name == "Zo Hall"
    assert rows[zoe].search_names == "zoe hall zo"
    assert (rows[zoe].level, rows[zoe].level_rank) == ("Significant", Level.SIGNIFICANT.rank)
    assert rows[zoe].flags == ("Missing", "Looked after")
    assert rows[zoe].review_state is ReviewState.OVERDUE
    assert rows[zoe].review_text.endswith(" — overdue")
    assert (rows[aled].level, rows[aled].level_rank) == ("Not screened", NOT_SCREENED_RANK)
    assert rows[aled].flags == ("NRM referral",)
    assert rows[aled].review_state is ReviewState.NONE
    closed = caseload_rows(services, include_closed=True, today=today)
    assert {r.young_person_id: r.status for r in closed}[gone] is CaseStatus.CLOSED


def test_the_model_passes_the_model_tester_filtered_sorted_and_compact(
    qtmodeltester: ModelTester,
) -> None:
    model = CaseloadTableModel(ROWS)
    model.set_filter(CaseFilter(text="e", text_matches=MappingProxyType({"zoe": ("safety plan",)})))
    model.sort(LEVEL, Qt.SortOrder.DescendingOrder)
    model.set_compact(True)
    qtmodeltester.check(model)
    assert model.shown_count == 4
    assert model.in_scope_count == 4
    assert model.data(model.index(0, NAME), ID_ROLE) == "neill"
    assert model.data(model.index(0, NAME)) == (
        "Aled O'Neill · matched in name\nSignificant · no review date"
    )
    assert model.data(model.index(model.row_of("zoe") or 0, MATCHED_IN)) == "name, safety plan"


def test_level_sorts_by_severity_with_not_screened_below_every_level() -> None:
    model = CaseloadTableModel(ROWS)
    model.sort(LEVEL, Qt.SortOrder.DescendingOrder)
    levels = [model.data(model.index(r, LEVEL)) for r in range(model.rowCount())]
    assert levels == ["Significant", "Moderate", "Emerging", "Not screened", "Not screened"]
    model.sort(LEVEL, Qt.SortOrder.AscendingOrder)
    assert model.data(model.index(0, LEVEL)) == "Not screened"


def test_overdue_and_due_soon_are_said_in_words_not_colour_alone() -> None:
    model = CaseloadTableModel(
        [
            row("a", "Ann Bee", next_review=date(2026, 11, 1), review_state=ReviewState.OVERDUE),
            row("b", "Cat Dee", next_review=date(2026, 11, 25), review_state=ReviewState.DUE_SOON),
            row("c", "Eve Fox", next_review=date(2027, 3, 1), review_state=ReviewState.LATER),
        ]
    )
    texts = [model.data(model.index(r, NEXT_REVIEW)) for r in range(3)]
    assert texts == ["01/11/2026 — overdue", "25/11/2026 — due soon", "01/03/2027"]
    assert model.data(model.index(0, NEXT_REVIEW), Qt.ItemDataRole.ForegroundRole) is not None
    assert model.data(model.index(2, NEXT_REVIEW), Qt.ItemDataRole.ForegroundRole) is None


def test_sorting_keeps_the_selection_on_the_same_young_person() -> None:
    model = CaseloadTableModel(ROWS)
    kept = QPersistentModelIndex(model.index(0, NAME))  # Zoë
    model.sort(NAME, Qt.SortOrder.AscendingOrder)
    assert kept.row() == model.row_of("zoe") == 4
    assert model.data(model.index(kept.row(), NAME), ID_ROLE) == "zoe"
