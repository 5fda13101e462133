from __future__ import annotations

from hive.platform.errors import NotFound
from hive.platform.validation import InvalidInput


class UnknownEventCursor(NotFound):
    code = "unknown_event_cursor"
    default_message = (
        "事件游标不存在（可能已过保留期），请从 0 重新读取 / "
        "Unknown event cursor (it may have expired); read again from 0"
    )


class InvalidTenantEvent(InvalidInput):
    code = "invalid_tenant_event"
    default_message = "租户事件不合法 / Invalid tenant event"
