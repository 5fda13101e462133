"""Cross-cutting services: config, database, errors, money, jobs, auth, observability."""
