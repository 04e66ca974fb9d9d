"""sanwei audit: every event hash-chained, and the case timeline across all tracks."""
