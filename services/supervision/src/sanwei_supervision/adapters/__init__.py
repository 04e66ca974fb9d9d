"""Supervision adapters: database tables and repository."""
