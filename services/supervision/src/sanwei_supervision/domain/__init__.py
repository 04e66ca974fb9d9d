"""Pure supervision domain: 督办通知书, their numbers and deadlines, rectification reports. No I/O here."""
