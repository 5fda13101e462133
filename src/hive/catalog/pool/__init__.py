"""The product pool: products we sell, their status, change history and view stamps."""
