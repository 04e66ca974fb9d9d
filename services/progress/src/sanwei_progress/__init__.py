"""sanwei progress: progress reports per cadence, completion claims and their verification."""
