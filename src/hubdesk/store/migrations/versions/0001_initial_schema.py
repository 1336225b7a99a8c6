"""Initial vault schema: every record kind, the audit chain, vault facts, full-text search.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-27 05:37:11.426993
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "audit_event",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("device", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("record_kind", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_event")),
        sa.UniqueConstraint("id", name=op.f("uq_audit_event_id")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_record_id"), ["record_id"], unique=False)

    op.create_table(
        "context",
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("place_type", sa.String(length=40), nullable=True),
        sa.Column("area", sa.String(length=120), nullable=True),
        sa.Column("team", sa.String(length=100), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_context")),
    )
    op.create_table(
        "search_doc",
        sa.Column("fts_rowid", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("record_kind", sa.String(length=40), nullable=False),
        sa.Column("young_person_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("fts_rowid", name=op.f("pk_search_doc")),
        sa.UniqueConstraint("record_id", name=op.f("uq_search_doc_record_id")),
    )
    with op.batch_alter_table("search_doc", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_search_doc_young_person_id"), ["young_person_id"], unique=False
        )

    op.create_table(
        "vault_meta",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_vault_meta")),
    )
    op.create_table(
        "young_person",
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("preferred_name", sa.String(length=100), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("gender", sa.String(length=40), nullable=True),
        sa.Column("legal_status", sa.String(length=80), nullable=True),
        sa.Column("education", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("level", sa.String(length=40), nullable=True),
        sa.Column("level_reason", sa.Text(), nullable=True),
        sa.Column("harm_types", sa.JSON(), nullable=False),
        sa.Column("allocated_worker", sa.String(length=100), nullable=True),
        sa.Column("team", sa.String(length=100), nullable=True),
        sa.Column("referral_date", sa.Date(), nullable=True),
        sa.Column("next_review_date", sa.Date(), nullable=True),
        sa.Column("closed_date", sa.Date(), nullable=True),
        sa.Column("flag_missing", sa.Boolean(), nullable=False),
        sa.Column("flag_nrm_referral", sa.Boolean(), nullable=False),
        sa.Column("flag_looked_after", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_young_person")),
    )
    op.create_table(
        "contact_note",
        sa.Column("young_person_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("present", sa.Text(), nullable=False),
        sa.Column("narrative", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("finalised_at", sa.DateTime(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["young_person_id"],
            ["young_person.id"],
            name=op.f("fk_contact_note_young_person_id_young_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_note")),
    )
    with op.batch_alter_table("contact_note", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_note_young_person_id"), ["young_person_id"], unique=False
        )

    op.create_table(
        "context_link",
        sa.Column("young_person_id", sa.String(length=36), nullable=False),
        sa.Column("context_id", sa.String(length=36), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("reliability", sa.String(length=40), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["context_id"], ["context.id"], name=op.f("fk_context_link_context_id_context")
        ),
        sa.ForeignKeyConstraint(
            ["young_person_id"],
            ["young_person.id"],
            name=op.f("fk_context_link_young_person_id_young_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_context_link")),
        sa.UniqueConstraint(
            "young_person_id", "context_id", name=op.f("uq_context_link_young_person_id")
        ),
    )
    with op.batch_alter_table("context_link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_context_link_context_id"), ["context_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_context_link_young_person_id"), ["young_person_id"], unique=False
        )

    op.create_table(
        "information_share",
        sa.Column("young_person_id", sa.String(length=36), nullable=False),
        sa.Column("shared_at", sa.DateTime(), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("lawful_basis", sa.Text(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["young_person_id"],
            ["young_person.id"],
            name=op.f("fk_information_share_young_person_id_young_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_information_share")),
    )
    with op.batch_alter_table("information_share", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_information_share_young_person_id"), ["young_person_id"], unique=False
        )

    op.create_table(
        "intervention",
        sa.Column("young_person_id", sa.String(length=36), nullable=False),
        sa.Column("provider", sa.String(length=160), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["young_person_id"],
            ["young_person.id"],
            name=op.f("fk_intervention_young_person_id_young_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intervention")),
    )
    with op.batch_alter_table("intervention", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_intervention_young_person_id"), ["young_person_id"], unique=False
        )

    op.create_table(
        "meeting",
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("held_at", sa.DateTime(), nullable=False),
        sa.Column("young_person_id", sa.String(length=36), nullable=True),
        sa.Column("context_id", sa.String(length=36), nullable=True),
        sa.Column("chair", sa.String(length=120), nullable=True),
        sa.Column("attendees", sa.Text(), nullable=False),
        sa.Column("discussion", sa.Text(), nullable=False),
        sa.Column("decisions", sa.Text(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["context_id"], ["context.id"], name=op.f("fk_meeting_context_id_context")
        ),
        sa.ForeignKeyConstraint(
            ["young_person_id"],
            ["young_person.id"],
            name=op.f("fk_meeting_young_person_id_young_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting")),
    )
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_context_id"), ["context_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_meeting_young_person_id"), ["young_person_id"], unique=False
        )

    op.create_table(
        "missing_episode",
        sa.Column("young_person_id", sa.String(length=36), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("reported_by", sa.String(length=120), nullable=True),
        sa.Column("police_risk_grade", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("where_found", sa.Text(), nullable=True),
        sa.Column("out_of_area", sa.Boolean(), nullable=False),
        sa.Column("who_with", sa.Text(), nullable=True),
        sa.Column("travel_how", sa.Text(), nullable=True),
        sa.Column("returned_how", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["young_person_id"],
            ["young_person.id"],
            name=op.f("fk_missing_episode_young_person_id_young_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_missing_episode")),
    )
    with op.batch_alter_table("missing_episode", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_missing_episode_young_person_id"), ["young_person_id"], unique=False
        )

    op.create_table(
        "nrm_referral",
        sa.Column("young_person_id", sa.String(length=36), nullable=False),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("first_responder", sa.String(length=160), nullable=False),
        sa.Column("exploitation_types", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("reasonable_grounds_on", sa.Date(), nullable=True),
        sa.Column("reasonable_grounds_outcome", sa.String(length=40), nullable=True),
        sa.Column("conclusive_grounds_on", sa.Date(), nullable=True),
        sa.Column("conclusive_grounds_outcome", sa.String(length=40), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["young_person_id"],
            ["young_person.id"],
            name=op.f("fk_nrm_referral_young_person_id_young_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nrm_referral")),
    )
    with op.batch_alter_table("nrm_referral", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_nrm_referral_young_person_id"), ["young_person_id"], unique=False
        )

    op.create_table(
        "safety_plan",
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("young_person_id", sa.String(length=36), nullable=True),
        sa.Column("context_id", sa.String(length=36), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "(young_person_id IS NULL) <> (context_id IS NULL)",
            name=op.f("ck_safety_plan_one_subject"),
        ),
        sa.ForeignKeyConstraint(
            ["context_id"], ["context.id"], name=op.f("fk_safety_plan_context_id_context")
        ),
        sa.ForeignKeyConstraint(
            ["young_person_id"],
            ["young_person.id"],
            name=op.f("fk_safety_plan_young_person_id_young_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_plan")),
    )
    with op.batch_alter_table("safety_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_safety_plan_context_id"), ["context_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_safety_plan_young_person_id"), ["young_person_id"], unique=False
        )

    op.create_table(
        "screening",
        sa.Column("young_person_id", sa.String(length=36), nullable=False),
        sa.Column("definition_id", sa.String(length=80), nullable=False),
        sa.Column("definition_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("computed_score", sa.JSON(), nullable=False),
        sa.Column("computed_level", sa.String(length=40), nullable=True),
        sa.Column("computed_reasons", sa.JSON(), nullable=False),
        sa.Column("final_level", sa.String(length=40), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=True),
        sa.Column("pathway", sa.Text(), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.Column("completed_by", sa.String(length=100), nullable=True),
        sa.Column("rescreen_due", sa.Date(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["young_person_id"],
            ["young_person.id"],
            name=op.f("fk_screening_young_person_id_young_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening")),
    )
    with op.batch_alter_table("screening", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_screening_young_person_id"), ["young_person_id"], unique=False
        )

    op.create_table(
        "addendum",
        sa.Column("note_id", sa.String(length=36), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["note_id"], ["contact_note.id"], name=op.f("fk_addendum_note_id_contact_note")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_addendum")),
    )
    with op.batch_alter_table("addendum", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_addendum_note_id"), ["note_id"], unique=False)

    op.create_table(
        "plan_version",
        sa.Column("plan_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("based_on_id", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("review_date", sa.Date(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("submitted_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["safety_plan.id"], name=op.f("fk_plan_version_plan_id_safety_plan")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_version")),
        sa.UniqueConstraint("plan_id", "number", name=op.f("uq_plan_version_plan_id")),
    )
    with op.batch_alter_table("plan_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_version_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "return_interview",
        sa.Column("episode_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("offered_at", sa.DateTime(), nullable=True),
        sa.Column("held_at", sa.DateTime(), nullable=True),
        sa.Column("interviewer", sa.String(length=120), nullable=True),
        sa.Column("attempts", sa.JSON(), nullable=False),
        sa.Column("push_factors", sa.Text(), nullable=True),
        sa.Column("pull_factors", sa.Text(), nullable=True),
        sa.Column("young_person_said", sa.Text(), nullable=True),
        sa.Column("disclosures", sa.Text(), nullable=True),
        sa.Column("links_to_places_and_people", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["missing_episode.id"],
            name=op.f("fk_return_interview_episode_id_missing_episode"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_interview")),
    )
    with op.batch_alter_table("return_interview", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_return_interview_episode_id"), ["episode_id"], unique=False
        )

    op.create_table(
        "plan_action",
        sa.Column("plan_version_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=120), nullable=False),
        sa.Column("agency", sa.String(length=120), nullable=True),
        sa.Column("by_when", sa.Date(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("server_seq", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_version_id"],
            ["plan_version.id"],
            name=op.f("fk_plan_action_plan_version_id_plan_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_action")),
    )
    with op.batch_alter_table("plan_action", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_action_plan_version_id"), ["plan_version_id"], unique=False
        )

    # Full-text search over notes, addenda and plans; lives inside the encrypted database.
    op.execute(
        "CREATE VIRTUAL TABLE search_fts "
        "USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')"
    )


def downgrade() -> None:
    op.execute("DROP TABLE search_fts")

    with op.batch_alter_table("plan_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_action_plan_version_id"))

    op.drop_table("plan_action")
    with op.batch_alter_table("return_interview", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_return_interview_episode_id"))

    op.drop_table("return_interview")
    with op.batch_alter_table("plan_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_version_plan_id"))

    op.drop_table("plan_version")
    with op.batch_alter_table("addendum", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_addendum_note_id"))

    op.drop_table("addendum")
    with op.batch_alter_table("screening", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screening_young_person_id"))

    op.drop_table("screening")
    with op.batch_alter_table("safety_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_safety_plan_young_person_id"))
        batch_op.drop_index(batch_op.f("ix_safety_plan_context_id"))

    op.drop_table("safety_plan")
    with op.batch_alter_table("nrm_referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nrm_referral_young_person_id"))

    op.drop_table("nrm_referral")
    with op.batch_alter_table("missing_episode", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_missing_episode_young_person_id"))

    op.drop_table("missing_episode")
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_young_person_id"))
        batch_op.drop_index(batch_op.f("ix_meeting_context_id"))

    op.drop_table("meeting")
    with op.batch_alter_table("intervention", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intervention_young_person_id"))

    op.drop_table("intervention")
    with op.batch_alter_table("information_share", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_information_share_young_person_id"))

    op.drop_table("information_share")
    with op.batch_alter_table("context_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_context_link_young_person_id"))
        batch_op.drop_index(batch_op.f("ix_context_link_context_id"))

    op.drop_table("context_link")
    with op.batch_alter_table("contact_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_note_young_person_id"))

    op.drop_table("contact_note")
    op.drop_table("young_person")
    op.drop_table("vault_meta")
    with op.batch_alter_table("search_doc", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_doc_young_person_id"))

    op.drop_table("search_doc")
    op.drop_table("context")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_record_id"))

    op.drop_table("audit_event")
