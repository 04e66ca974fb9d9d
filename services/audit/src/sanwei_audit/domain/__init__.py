"""Pure audit domain: the hash chain, tracks and one-line summaries. No I/O here."""
