"""rating_stats: the sums behind the weighted score's global mean, kept in each rating's transaction

Revision ID: 0011_perf
Revises: 0011_sharing
"""
from alembic import op
import sqlalchemy as sa

revision = "0011_perf"
down_revision = "0011_sharing"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rating_stats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mean_sum", sa.Double(), nullable=False),
        sa.Column("rated_titles", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating_stats")),
    )
    # The sums of the titles rated so far, so the first rating after the upgrade moves the right C.
    op.execute(
        "INSERT INTO rating_stats (id, mean_sum, rated_titles)"
        " SELECT 1, COALESCE(SUM(mean_score), 0), COUNT(*) FROM titles WHERE rating_count > 0"
    )


def downgrade():
    op.drop_table("rating_stats")
