"""The VOP wire format: form fields in, ``{success, resultCode, resultMessage, result}`` out."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl

from hive.simulators.vop.codes import MESSAGES, Code, VopError

Form = Mapping[str, str]
# Ids and counts must fit SQLite's signed 64-bit integers.
MAX_INT = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Reply:
    """What a method answers on success (``success`` may still be false, e.g. for 0008)."""

    result: object
    code: Code = Code.OK
    success: bool = True


def envelope(reply: Reply) -> dict[str, object]:
    return {
        "success": reply.success,
        "resultCode": reply.code.value,
        "resultMessage": MESSAGES[reply.code],
        "result": reply.result,
    }


def failure(error: VopError) -> dict[str, object]:
    return {
        "success": False,
        "resultCode": error.code.value,
        "resultMessage": error.message,
        "result": error.result,
    }


def yuan(fen: int) -> float:
    """Money on the wire: a JSON number of yuan, as JD sends it (the typed clients read prices,
    freight and balances as numbers: Go ``float64``, .NET ``decimal``, Java ``double``). Exact:
    a fen amount divided by 100 prints with at most two decimals."""
    return fen / 100


def encode(body: Mapping[str, object]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def parse_form(body: bytes, query: str) -> dict[str, str]:
    """Query-string fields, then body fields (the body wins), as VOP servers accept both."""
    fields = dict(parse_qsl(query, keep_blank_values=True))
    try:
        text = body.decode()
    except UnicodeDecodeError:
        raise VopError(Code.BAD_PARAMETER, "body is not UTF-8") from None
    fields.update(parse_qsl(text, keep_blank_values=True))
    return fields


def require(form: Form, name: str) -> str:
    value = form.get(name, "").strip()
    if not value:
        raise VopError(Code.BAD_PARAMETER, f"{name} is required")
    return value


def int_field(form: Form, name: str, default: int | None = None) -> int:
    raw = form.get(name, "").strip()
    if not raw:
        if default is None:
            raise VopError(Code.BAD_PARAMETER, f"{name} is required")
        return default
    try:
        return _bounded(int(raw), name)
    except ValueError:
        raise VopError(Code.BAD_PARAMETER, f"{name} must be an integer") from None


def id_list(form: Form, name: str, limit: int = 100) -> list[int]:
    """A comma-separated list of integer ids, at most ``limit`` of them."""
    raw = require(form, name)
    try:
        ids = [_bounded(int(part), name) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise VopError(Code.BAD_PARAMETER, f"{name} must be comma-separated ids") from None
    if not ids:
        raise VopError(Code.BAD_PARAMETER, f"{name} is required")
    if len(ids) > limit:
        raise VopError(Code.BAD_PARAMETER, f"{name} takes at most {limit} ids")
    return ids


def json_field(form: Form, name: str) -> object:
    raw = require(form, name)
    try:
        return json.loads(raw)
    except ValueError:
        raise VopError(Code.BAD_PARAMETER, f"{name} is not valid JSON") from None


def json_objects(form: Form, name: str, limit: int = 100) -> list[dict[str, object]]:
    """A JSON array of objects inside a form field (``sku=[{"skuId":1,"num":2}]``)."""
    value = json_field(form, name)
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise VopError(Code.BAD_PARAMETER, f"{name} must be a JSON array of objects")
    if not value or len(value) > limit:
        raise VopError(Code.BAD_PARAMETER, f"{name} takes 1 to {limit} entries")
    return value


def as_int(value: object, what: str) -> int:
    """An integer from a decoded JSON value (number or digit string)."""
    if isinstance(value, bool):
        raise VopError(Code.BAD_PARAMETER, f"{what} must be an integer")
    if isinstance(value, int):
        return _bounded(value, what)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return _bounded(int(value), what)
    raise VopError(Code.BAD_PARAMETER, f"{what} must be an integer")


def _bounded(value: int, what: str) -> int:
    if not -MAX_INT <= value <= MAX_INT:
        raise VopError(Code.BAD_PARAMETER, f"{what} is out of range")
    return value
