"""Receivers' personal data: encrypted at rest, masked wherever the whole value is not needed.

The receiver's name, mobile and street address are stored only as ciphertext (one JSON
document under the platform secret, :class:`hive.platform.crypto.SecretBox`, so a rotated
secret keeps old rows readable until ``hive orders reencrypt-receivers`` rewrites them). Lists,
logs and webhooks get :func:`masked` values (``138****0000``, ``张*``); the whole receiver is
decrypted only for the roles that need it (shipping, customer service), audited:
:func:`hive.orders.receivers.reveal_receiver`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from hive.platform.crypto import SecretBox


@dataclass(frozen=True, slots=True)
class Receiver:
    """Who receives the goods (plaintext, in memory only)."""

    name: str
    mobile: str
    address: str  # street and number, below the four area levels


@dataclass(frozen=True, slots=True)
class MaskedReceiver:
    name: str
    mobile: str
    address: str


def encrypt_receiver(receiver: Receiver, box: SecretBox) -> bytes:
    """The receiver as one ciphertext (never stored in plaintext)."""
    return box.encrypt(json.dumps(asdict(receiver), ensure_ascii=False).encode())


def decrypt_receiver(ciphertext: bytes, box: SecretBox) -> Receiver:
    """The receiver back; ``SecretUnreadable`` for a tampered ciphertext or an unknown key."""
    values = json.loads(box.decrypt(ciphertext))
    return Receiver(name=values["name"], mobile=values["mobile"], address=values["address"])


def mask_mobile(mobile: str) -> str:
    """``13800000000`` → ``138****0000``: the first three and last four digits stay."""
    if len(mobile) <= 7:
        return "*" * len(mobile)
    return mobile[:3] + "*" * (len(mobile) - 7) + mobile[-4:]


def mask_name(name: str) -> str:
    """``张三`` → ``张*``, ``欧阳娜娜`` → ``欧***``: the first character stays."""
    return name[:1] + "*" * (len(name) - 1) if name else ""


def mask_address(address: str) -> str:
    """Only the first six characters stay (the street, not the door)."""
    return address[:6] + ("****" if len(address) > 6 else "")


def masked(receiver: Receiver) -> MaskedReceiver:
    return MaskedReceiver(
        name=mask_name(receiver.name),
        mobile=mask_mobile(receiver.mobile),
        address=mask_address(receiver.address),
    )
