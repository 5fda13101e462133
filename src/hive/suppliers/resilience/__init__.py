"""Resilience for calls to suppliers: rate limits, retries, circuit breakers, bulkheads."""
