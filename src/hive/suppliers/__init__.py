"""SCA: supplier adapters behind one protocol, the supplier registry, and the change feed.

Nothing outside this package sees a supplier's own field names or result codes: adapters
translate to the domain types in :mod:`hive.suppliers.types` (integer fen, our own enums).
"""
