"""Use cases, grouped by capability: leads/ routing/ timers/ compliance/ roster/ admin/.

One shape for every use case: a keyword-only function given ``uow`` (a fresh, not yet entered
``store.uow.UnitOfWork``), ``now`` and the per-process caches it needs (``caches``, a
``RoutingCaches``) by its entrypoint (API route, CLI command, worker); it opens the
transaction with ``with uow:``, commits it, and never reads the clock or imports the
composition root.

One naming rule for a use case and the same work as a step of a bigger transaction: the
use case is ``verb_noun`` and owns its transaction; the step is ``verb_noun_in_tx``, takes
the caller's connection (and caches) first and never commits. So ``route_lead`` /
``route_lead_in_tx``, ``drain_queue`` / ``drain_queue_in_tx``, ``assign_manually`` /
``assign_manually_in_tx``, ``change_status_in_tx`` (its use case is recording an outcome).
SQL lives in ``store/`` behind repositories on the unit of work (``uow.leads``,
``uow.assignments``, ``uow.outbox``, ``uow.decisions``, ``uow.idempotency``); read-only list
endpoints may stay plain queries.
"""
