"""What differs between kinds of supplier, in one place: how a pushed message is decoded and
which credentials the registration form asks for. The launcher and the suppliers page ask this
registry instead of testing the kind themselves (the adapter factory builds each kind's
adapter)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from hive.suppliers.types import SupplierKind, SupplierMessage
from hive.suppliers.vop.mapping import decode_push_message

# A message body the supplier pushed (RabbitMQ) -> the message; None for an unknown type.
PushDecoder = Callable[[bytes], SupplierMessage | None]


@dataclass(frozen=True, slots=True)
class KindSpec:
    kind: SupplierKind
    # None: the kind does not push; its messages are polled (or it has none).
    push_decoder: PushDecoder | None = None
    # The credential fields of the registration form; empty: the kind needs none.
    credential_fields: tuple[str, ...] = ()


KINDS: Mapping[SupplierKind, KindSpec] = {
    SupplierKind.VOP: KindSpec(
        SupplierKind.VOP,
        push_decoder=decode_push_message,
        credential_fields=("client_id", "client_secret", "username", "password"),
    ),
    SupplierKind.WAREHOUSE: KindSpec(SupplierKind.WAREHOUSE),
}


def kind_spec(kind: str) -> KindSpec | None:
    """The spec of ``kind``; None for a kind Hive does not know."""
    try:
        return KINDS[SupplierKind(kind)]
    except ValueError:
        return None


def push_decoder(kind: str) -> PushDecoder | None:
    spec = kind_spec(kind)
    return spec.push_decoder if spec else None


def credentials_from_form(kind: str, form: Mapping[str, str]) -> dict[str, str] | None:
    """The credentials the registration form gave for ``kind``; None when it needs none."""
    spec = kind_spec(kind)
    if spec is None or not spec.credential_fields:
        return None
    return {field: form.get(field, "") for field in spec.credential_fields}
