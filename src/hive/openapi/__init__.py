"""The Open API gateway (OAP): apps and keys, request signing, rate limits, idempotency and the
tenant-scoped ``/open/v1`` routes served by HAG. See docs/open-api.md."""
