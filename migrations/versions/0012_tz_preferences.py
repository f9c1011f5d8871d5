"""tz: preferences.time_zone (IANA name) and preferences.locale; empty means UTC and the browser's language

Revision ID: 0012_tz
Revises: 0011_perf
"""

from alembic import op
import sqlalchemy as sa

revision = "0012_tz"
down_revision = "0011_perf"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("preferences", schema=None) as batch_op:
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), server_default="", nullable=False))
        batch_op.add_column(sa.Column("locale", sa.String(length=16), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("preferences", schema=None) as batch_op:
        batch_op.drop_column("locale")
        batch_op.drop_column("time_zone")
