"""follow requests: follows.status, pending until a private profile's owner approves it

A follow of a profile that is private now was, before this revision, a follow that showed nothing;
it becomes a pending request (its owner approves or declines it), not an approval no one gave.

Revision ID: 0011_accounts
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa

revision = "0011_accounts"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=16), server_default="approved", nullable=False))
    follows = sa.table("follows", sa.column("followed_id", sa.Integer()), sa.column("status", sa.String()))
    profiles = sa.table("profiles", sa.column("user_id", sa.Integer()), sa.column("is_private", sa.Boolean()))
    private = sa.select(profiles.c.user_id).where(profiles.c.is_private.is_(True))
    op.execute(follows.update().where(follows.c.followed_id.in_(private)).values(status="pending"))


def downgrade():
    # A pending request becomes a plain follow again, which the older code shows nothing private to.
    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.drop_column("status")
