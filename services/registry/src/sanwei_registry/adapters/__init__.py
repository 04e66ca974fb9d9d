"""Registry adapters: database tables and repository, spreadsheet reading."""
