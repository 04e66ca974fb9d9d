"""Media adapters: database tables and repository."""
