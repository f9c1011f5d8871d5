"""movies.budget and movies.revenue as 64-bit integers (a gross over 2**31 dollars broke PostgreSQL)

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("movies", schema=None) as batch_op:
        batch_op.alter_column("budget", existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=True)
        batch_op.alter_column("revenue", existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=True)


def downgrade():
    with op.batch_alter_table("movies", schema=None) as batch_op:
        batch_op.alter_column("revenue", existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=True)
        batch_op.alter_column("budget", existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=True)
