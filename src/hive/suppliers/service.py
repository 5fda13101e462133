"""Supplier registry rules: operators add, enable and disable suppliers without a restart."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hive.platform.actor import Actor
from hive.platform.audit import record_audit
from hive.platform.crypto import SecretBox, SecretUnreadable
from hive.platform.errors import Conflict
from hive.platform.permissions import Action, require
from hive.platform.reencryption import reencrypt_column
from hive.suppliers import repository
from hive.suppliers.errors import InvalidSupplierConfig, SupplierDisabled, SupplierNotFound
from hive.suppliers.models import Supplier
from hive.suppliers.schemas import SupplierCreate, VopCredentials
from hive.suppliers.types import SupplierKind


class DuplicateSupplierName(Conflict):
    code = "supplier_name_taken"
    default_message = "供应商名称已存在 / Supplier name already exists"


async def create_supplier(
    session: AsyncSession, actor: Actor, data: SupplierCreate, secrets: SecretBox
) -> Supplier:
    """Register a supplier; VOP suppliers need a base URL and credentials (stored encrypted)."""
    require(actor, Action.MANAGE_SUPPLIERS)
    if data.kind == SupplierKind.VOP and (data.base_url is None or data.credentials is None):
        raise InvalidSupplierConfig("VOP 供应商需要地址和凭据 / VOP needs base_url and credentials")
    supplier = Supplier(
        name=data.name,
        kind=data.kind.value,
        base_url=str(data.base_url or "").rstrip("/"),
        credentials_encrypted=(
            secrets.encrypt(data.credentials.model_dump_json().encode())
            if data.credentials
            else b""
        ),
        rate_limits=dict(data.rate_limits),
        enabled=True,
    )
    try:
        await repository.add_supplier(session, supplier)
    except IntegrityError:
        raise DuplicateSupplierName(details={"name": data.name}) from None
    await record_audit(
        session,
        actor,
        "supplier.create",
        target_type="supplier",
        target_id=supplier.id,
        details={"name": supplier.name, "kind": supplier.kind, "base_url": supplier.base_url},
    )
    return supplier


async def set_supplier_enabled(
    session: AsyncSession, actor: Actor, supplier_id: int, enabled: bool
) -> Supplier:
    require(actor, Action.MANAGE_SUPPLIERS)
    supplier = await get_supplier(session, supplier_id)
    supplier.enabled = enabled
    await record_audit(
        session,
        actor,
        "supplier.enable" if enabled else "supplier.disable",
        target_type="supplier",
        target_id=supplier.id,
    )
    return supplier


async def get_supplier(session: AsyncSession, supplier_id: int) -> Supplier:
    supplier = await repository.get_supplier(session, supplier_id)
    if supplier is None:
        raise SupplierNotFound(details={"supplier_id": supplier_id})
    return supplier


async def get_enabled_supplier(session: AsyncSession, supplier_id: int) -> Supplier:
    supplier = await get_supplier(session, supplier_id)
    if not supplier.enabled:
        raise SupplierDisabled(details={"supplier_id": supplier_id})
    return supplier


async def list_suppliers(session: AsyncSession) -> Sequence[Supplier]:
    return await repository.list_suppliers(session)


def vop_credentials(supplier: Supplier, secrets: SecretBox) -> VopCredentials:
    return VopCredentials.model_validate_json(secrets.decrypt(supplier.credentials_encrypted))


async def reencrypt_credentials(session: AsyncSession, actor: Actor, secrets: SecretBox) -> int:
    """Rewrite every supplier's stored credentials under the current secret key.

    Run after a key rotation (or to retire ciphertexts from before key ids); afterwards the
    previous secret keys are no longer needed. Returns how many suppliers were rewritten.
    """
    require(actor, Action.REENCRYPT_CREDENTIALS)
    return await reencrypt_column(
        session,
        actor,
        secrets,
        await repository.lock_suppliers_with_credentials(session),
        "credentials_encrypted",
        action="supplier.credentials_reencrypt",
        target_type="supplier",
        ids_key="supplier_ids",
    )


async def reencrypt_tokens(session: AsyncSession, actor: Actor, secrets: SecretBox) -> int:
    """Rewrite every stored supplier access/refresh token under the current secret key.

    Run with :func:`reencrypt_credentials` (``hive reencrypt-secrets``). A token that no known
    key reads is deleted rather than failing the run: it is a cache, and the next call fetches
    a new one with the credentials. Returns how many token rows were rewritten or deleted.
    """
    require(actor, Action.REENCRYPT_CREDENTIALS)
    rewritten, dropped = [], []
    for token in await repository.lock_tokens(session):
        if secrets.is_current(token.access_token_encrypted) and (
            not token.refresh_token_encrypted or secrets.is_current(token.refresh_token_encrypted)
        ):
            continue
        try:
            token.access_token_encrypted = secrets.reencrypt(token.access_token_encrypted)
            if token.refresh_token_encrypted:
                token.refresh_token_encrypted = secrets.reencrypt(token.refresh_token_encrypted)
        except SecretUnreadable:
            await repository.delete_token(session, token.supplier_id)
            dropped.append(token.supplier_id)
            continue
        rewritten.append(token.supplier_id)
    await record_audit(
        session,
        actor,
        "supplier.tokens_reencrypt",
        target_type="supplier",
        target_id=None,
        details={"key_id": secrets.current_key_id, "rewritten": rewritten, "dropped": dropped},
    )
    return len(rewritten) + len(dropped)
