"""Audit adapters: database tables and the repository of recorded events."""
