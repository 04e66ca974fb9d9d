"""Pure webhook rules: which events a subscription wants, and what follows an attempt."""
