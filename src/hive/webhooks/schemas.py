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


class DeliveryOut(BaseModel):
    """One event for one of your endpoints. ``uid`` is its ``X-Hive-Delivery`` (the same for
    every retry and replay); ``status``: ``pending`` (being attempted: ``next_attempt_at``),
    ``delivered``, ``dead`` (``dead_reason`` ``final_answer`` or ``retries_exhausted``) or
    ``cancelled`` (its endpoint was deleted first); ``last_status_code`` / ``last_error``: the
    latest attempt's answer."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    uid: str
    endpoint_id: int
    event_id: int
    event_type: str
    entity_type: str
    entity_id: int
    sequence: int
    status: str
    attempt_count: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    dead_at: datetime | None
    dead_reason: str | None
    created_at: datetime


class DeliveriesOut(BaseModel):
    items: list[DeliveryOut]
    total: int
    page: int
    page_size: int


class AttemptOut(BaseModel):
    """One POST: when, how long (ms), your answer's status (none after a network error or a
    timeout: ``error`` says which), the start of your answer's body (truncated), and what came
    of it: ``success``, ``retry`` (another attempt is scheduled) or ``final``."""

    model_config = ConfigDict(from_attributes=True)

    attempted_at: datetime
    duration_ms: int
    status_code: int | None
    response_body: str
    error: str | None
    outcome: str


class DeliveryDetailOut(DeliveryOut):
    """A delivery with the exact body every attempt sends and its attempts, oldest first."""

    body: str
    attempts: list[AttemptOut]
