"""Webhooks adapters: database tables, the repository, and the HTTP sender."""
