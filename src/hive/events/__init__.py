"""Tenant events: what happened to a tenant's products and orders (pull feed, webhooks)."""
