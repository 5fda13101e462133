"""Many rows as one SQL parameter: a JSON document, read back by ``jsonb_to_recordset`` or
``jsonb_array_elements``. One bind parameter whatever the row count, serialised in C."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def json_document(value: Any) -> str:
    """``value`` as JSON text; mappings become objects, anything else JSON does not know
    (dates, decimals, enums) its text."""
    return json.dumps(value, default=_plain, ensure_ascii=False)


def _plain(value: Any) -> Any:
    return dict(value) if isinstance(value, Mapping) else str(value)
