"""One VOP HTTP exchange: a form-encoded POST answered by the ``{success, resultCode, …}``
envelope. Network failures, timeouts and 5xx become :class:`SupplierUnavailable`; anything we
cannot read becomes :class:`InvalidSupplierAnswer` — never a crash."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from hive.suppliers.errors import InvalidSupplierAnswer, SupplierRateLimited, SupplierUnavailable


class _EnvelopeModel(BaseModel):
    model_config = ConfigDict(extra="ignore")

    success: bool
    resultCode: str
    resultMessage: str = ""
    result: Any = None


@dataclass(frozen=True, slots=True)
class Envelope:
    success: bool
    code: str
    message: str
    result: Any


class VopTransport:
    def __init__(self, base_url: str, client: httpx.AsyncClient, *, timeout_s: float):
        self._base_url = base_url.rstrip("/")
        self._client = client
        self._timeout = httpx.Timeout(timeout_s)

    async def post(self, path: str, fields: Mapping[str, str]) -> Envelope:
        url = f"{self._base_url}/{path}"
        try:
            response = await self._client.post(url, data=dict(fields), timeout=self._timeout)
        except httpx.TimeoutException:
            raise SupplierUnavailable(
                "供应商超时 / Supplier timed out", details={"path": path}
            ) from None
        except httpx.HTTPError as exc:
            raise SupplierUnavailable(details={"path": path, "error": type(exc).__name__}) from None
        return _read(path, response)


def _read(path: str, response: httpx.Response) -> Envelope:
    if response.status_code == 429:
        raise SupplierRateLimited(details={"path": path})
    if response.status_code >= 500:
        raise SupplierUnavailable(details={"path": path, "http_status": response.status_code})
    if response.status_code != 200:
        raise InvalidSupplierAnswer(details={"path": path, "http_status": response.status_code})
    try:
        parsed = _EnvelopeModel.model_validate_json(response.content)
    except ValidationError:
        raise InvalidSupplierAnswer(details={"path": path, "problem": "not an envelope"}) from None
    return Envelope(parsed.success, parsed.resultCode, parsed.resultMessage, parsed.result)
