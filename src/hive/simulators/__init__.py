"""Stand-ins for upstream suppliers, for development, demos, tests and integrators' sandboxes."""
