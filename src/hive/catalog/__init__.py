"""PIM: reference data, live upstream search, selection into the product pool, pool freshness,
pool search. The pool is a curated cache of supplier products (never the whole catalogue)."""
