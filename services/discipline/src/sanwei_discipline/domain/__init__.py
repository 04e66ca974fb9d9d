"""Pure discipline domain: clues, their handling steps, decisions and redaction. No I/O here."""
