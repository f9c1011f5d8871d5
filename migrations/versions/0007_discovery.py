"""discovery: trending scores per window and precomputed title neighbours

Revision ID: 0007
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "trending_scores",
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("window", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("activity", sa.Double(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["title_id"], ["titles.id"], name=op.f("fk_trending_scores_title_id_titles"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("title_id", "window", name=op.f("pk_trending_scores")),
    )
    with op.batch_alter_table("trending_scores", schema=None) as batch_op:
        batch_op.create_index("ix_trending_scores_window_score", ["window", "score"], unique=False)
        batch_op.create_index("ix_trending_scores_window_kind_score", ["window", "kind", "score"], unique=False)

    op.create_table(
        "title_neighbours",
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("neighbour_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Double(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["neighbour_id"], ["titles.id"],
                                name=op.f("fk_title_neighbours_neighbour_id_titles"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["title_id"], ["titles.id"], name=op.f("fk_title_neighbours_title_id_titles"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("title_id", "neighbour_id", name=op.f("pk_title_neighbours")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("title_neighbours", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_title_neighbours_neighbour_id"), ["neighbour_id"], unique=False)


def downgrade():
    with op.batch_alter_table("title_neighbours", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_title_neighbours_neighbour_id"))
    op.drop_table("title_neighbours")
    with op.batch_alter_table("trending_scores", schema=None) as batch_op:
        batch_op.drop_index("ix_trending_scores_window_kind_score")
        batch_op.drop_index("ix_trending_scores_window_score")
    op.drop_table("trending_scores")
