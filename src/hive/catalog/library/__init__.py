"""The tenant's product library: products a tenant sells, at its own retail price."""
