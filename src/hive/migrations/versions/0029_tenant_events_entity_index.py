"""tenant events: an index by entity and sequence

Webhook sending holds a delivery back while an earlier event of its entity (a lower
``sequence``) is not yet dispatched to the subscription (docs/webhooks.md, "Order per entity");
that check looks events up by (tenant, entity, sequence).

Revision ID: 0029
Revises: 0028
Create Date: 2026-11-30 13:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_tenant_events_tenant_id_entity_type_entity_id_sequence"


def upgrade() -> None:
    op.create_index(INDEX, "tenant_events", ["tenant_id", "entity_type", "entity_id", "sequence"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="tenant_events")
