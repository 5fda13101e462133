"""Webhooks: tenants' subscriptions to their events, delivered by signed POSTs with retries."""
