"""Progress adapters: database tables and repository."""
