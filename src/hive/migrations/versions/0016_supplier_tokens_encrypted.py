"""supplier access and refresh tokens encrypted at rest

Either token lets anyone call the supplier as us until it expires (a refresh token for weeks),
so they are stored like the supplier credentials: Fernet under the platform secret with its key
id (hive.platform.crypto), and ``hive reencrypt-secrets`` rewrites them after a key rotation.

Existing rows are encrypted with the secret box ``hive migrate`` / ``hive up`` hand to Alembic
(``config.attributes["secret_box"]``). Migrated without one (a bare ``alembic upgrade``), the
plaintext rows are deleted instead: a token is a cache, and the next supplier call fetches a new
one with the credentials. Either way no plaintext token is left.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 09:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hive.platform.crypto import SecretBox
from hive.platform.migrations import SECRET_BOX

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _secret_box() -> SecretBox | None:
    box = op.get_context().config.attributes.get(SECRET_BOX)  # type: ignore[union-attr]
    return box if isinstance(box, SecretBox) else None


def upgrade() -> None:
    op.add_column("supplier_tokens", sa.Column("access_token_encrypted", sa.LargeBinary()))
    op.add_column(
        "supplier_tokens",
        sa.Column(
            "refresh_token_encrypted",
            sa.LargeBinary(),
            server_default=sa.text("''"),
            nullable=False,
        ),
    )
    connection = op.get_bind()
    box = _secret_box()
    if box is None:
        connection.execute(sa.text("DELETE FROM supplier_tokens"))
    rows = connection.execute(
        sa.text("SELECT supplier_id, access_token, refresh_token FROM supplier_tokens")
    ).all()
    for supplier_id, access, refresh in rows:
        assert box is not None  # rows are left only when there is a box
        connection.execute(
            sa.text(
                "UPDATE supplier_tokens SET access_token_encrypted = :a, "
                "refresh_token_encrypted = :r WHERE supplier_id = :s"
            ),
            {
                "a": box.encrypt(access.encode()),
                "r": box.encrypt(refresh.encode()) if refresh else b"",
                "s": supplier_id,
            },
        )
    op.alter_column("supplier_tokens", "access_token_encrypted", nullable=False)
    op.alter_column("supplier_tokens", "refresh_token_encrypted", server_default=None)
    op.drop_column("supplier_tokens", "access_token")
    op.drop_column("supplier_tokens", "refresh_token")


def downgrade() -> None:
    op.add_column("supplier_tokens", sa.Column("access_token", sa.String(length=512)))
    op.add_column(
        "supplier_tokens",
        sa.Column("refresh_token", sa.String(length=512), server_default="", nullable=False),
    )
    connection = op.get_bind()
    box = _secret_box()
    if box is None:
        connection.execute(sa.text("DELETE FROM supplier_tokens"))
    rows = connection.execute(
        sa.text(
            "SELECT supplier_id, access_token_encrypted, refresh_token_encrypted "
            "FROM supplier_tokens"
        )
    ).all()
    for supplier_id, access, refresh in rows:
        assert box is not None
        connection.execute(
            sa.text(
                "UPDATE supplier_tokens SET access_token = :a, refresh_token = :r "
                "WHERE supplier_id = :s"
            ),
            {
                "a": box.decrypt(bytes(access)).decode(),
                "r": box.decrypt(bytes(refresh)).decode() if refresh else "",
                "s": supplier_id,
            },
        )
    op.alter_column("supplier_tokens", "access_token", nullable=False)
    op.drop_column("supplier_tokens", "access_token_encrypted")
    op.drop_column("supplier_tokens", "refresh_token_encrypted")
