"""code families: a native exchange's server code joins the native code's token family

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("auth_codes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("family_id", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_auth_codes_family_id", ["family_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("auth_codes", schema=None) as batch_op:
        batch_op.drop_index("ix_auth_codes_family_id")
        batch_op.drop_column("family_id")
