"""The self-run warehouse: Hive's own stock in PostgreSQL behind the supplier adapter protocol."""
