"""Pure registry domain: tasks and their rules, task sheets. No I/O here."""
