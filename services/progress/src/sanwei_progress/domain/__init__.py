"""Pure progress domain: tasks as the registry announced them, reports, completion claims. No I/O here."""
