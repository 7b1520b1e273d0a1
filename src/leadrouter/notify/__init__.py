"""Notifications: the transactional outbox, its dispatcher, and the channels it delivers through.

A service writes outbox rows (``outbox.enqueue`` or the helpers in ``messages`` and
``webhook``) inside the same transaction as the event that causes them; ``dispatcher``
delivers them later, with retries, backoff and a dead-letter state.
"""
