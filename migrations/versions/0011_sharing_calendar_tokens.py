"""sharing: calendar tokens, the secret of each user's ICS calendar link (hashed)

Revision ID: 0011_sharing
Revises: 0011_signup
"""
from alembic import op
import sqlalchemy as sa

revision = "0011_sharing"
down_revision = "0011_signup"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_calendar_tokens_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_tokens_token_hash")),
        sa.UniqueConstraint("user_id", name=op.f("uq_calendar_tokens_user_id")),
    )


def downgrade():
    op.drop_table("calendar_tokens")
