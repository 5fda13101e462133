"""Webhook shapes: a new subscription (API body and workbench form) and the API's answers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hive.events.service import EventType
from hive.webhooks.targets import MAX_URL_LENGTH


class SubscriptionCreate(BaseModel):
    """``url``: where to POST (https; checked against SSRF when saved and at every attempt);
    ``event_types``: one or more of the tenant event types."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: str = Field(min_length=1, max_length=MAX_URL_LENGTH)
    event_types: list[EventType] = Field(min_length=1, max_length=len(EventType))

    @field_validator("event_types")
    @classmethod
    def _unique(cls, value: list[EventType]) -> list[EventType]:
        return sorted(set(value))


class WebhookOut(BaseModel):
    """A subscription. ``status``: ``active``, or ``paused`` after its endpoint kept failing
    (resume it in the workbench)."""

    id: int
    url: str
    event_types: list[str]
    status: str
    created_at: datetime


class WebhookCreated(WebhookOut):
    """A new subscription with its signing ``secret``: shown this once, store it."""

    secret: str


class WebhooksOut(BaseModel):
    items: list[WebhookOut]


class WebhookDeleted(BaseModel):
    deleted: int
