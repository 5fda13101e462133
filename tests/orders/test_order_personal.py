"""Receivers' personal data: encrypted at rest (readable after a key rotation, unreadable when
tampered), masked for lists, logs and webhooks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hive.orders.personal import (
    Receiver,
    decrypt_receiver,
    encrypt_receiver,
    mask_address,
    mask_mobile,
    mask_name,
    masked,
)
from hive.platform.crypto import SecretBox, SecretUnreadable

OLD, NEW = "old-secret-" + "a" * 32, "new-secret-" + "b" * 32
RECEIVER = Receiver(
    name="张三", mobile="13800000000", address="北京市朝阳区建国路 88 号 3 单元 502"
)


def test_the_receiver_is_stored_only_as_ciphertext_and_survives_a_rotation() -> None:
    cipher = encrypt_receiver(RECEIVER, SecretBox(OLD))
    for fragment in ("张三", "13800000000", "建国路"):
        assert fragment.encode() not in cipher
    assert decrypt_receiver(cipher, SecretBox(NEW, previous=[OLD])) == RECEIVER
    with pytest.raises(SecretUnreadable):
        decrypt_receiver(cipher, SecretBox(NEW))
    with pytest.raises(SecretUnreadable):
        decrypt_receiver(cipher[:-3] + b"xyz", SecretBox(OLD))


def test_masks_keep_only_what_a_list_needs() -> None:
    assert mask_mobile("13800000000") == "138****0000"
    assert mask_name("张三") == "张*" and mask_name("欧阳娜娜") == "欧***"
    assert mask_address("北京市朝阳区建国路 88 号") == "北京市朝阳区****"
    assert masked(RECEIVER).mobile == "138****0000"


@given(st.text(alphabet="0123456789", min_size=8, max_size=20))
def test_a_masked_mobile_never_shows_its_middle(mobile: str) -> None:
    shown = mask_mobile(mobile)
    assert len(shown) == len(mobile) and shown[:3] == mobile[:3] and shown[-4:] == mobile[-4:]
    assert set(shown[3:-4]) == {"*"}
