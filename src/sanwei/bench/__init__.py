"""`task bench`: the quarter-end burst, the raw JetStream baseline, the due-timer sweep
scaling, API latency and memory, written to docs/bench/<date>-<N>.md with PNG charts.

A benchmark, not a test: it reports what it measured, including what it did not finish.
"""
