"""Discipline adapters: database tables and repository."""
