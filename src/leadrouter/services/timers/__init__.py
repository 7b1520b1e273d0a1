"""The time engine's use cases: the due-step run, hand-over, its messages and outbox rows."""
