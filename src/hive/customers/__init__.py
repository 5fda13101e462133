"""CRM: tenants (business customers), customer grades, users and their roles."""
