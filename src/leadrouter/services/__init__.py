"""Use cases, grouped by capability: find one from the name of what it is about.

* ``leads/``      intake, behaviour events, status, activities, outcomes, commission,
                  opt-out, intake settings
* ``routing/``    route a lead, its context, decisions and the queue, offers,
                  announcements of assignments, the stored policy
* ``timers/``     the worker's due-step run, hand-over, the messages it sends
* ``compliance/`` license expiration sweeps, coverage forecasts, registry reconciliation
* ``roster/``     producers, licenses, territories, clients, lead sources, CSV import
* ``reports/``    producer statistics, source ROI, the monthly report
* ``learning/``   conversion estimates for the optimizing router
* ``calls/``      live calls: the voice hooks' use cases, the caller as a lead, the dial
                  plan, who answered, producer presence
* ``admin/``      agencies and keys, security, webhook endpoints, the policy document,
                  the outbox and alerts

Every use case is a keyword-only function, given ``uow`` and ``now`` (and the caches it
needs) by its entrypoint; it owns its transaction. No service reads the clock or imports the
composition root (``leadrouter.bootstrap``). See docs/architecture.md.

One naming rule for a use case and the same work as a step of a bigger transaction: the use
case is ``verb_noun`` and owns its transaction (given a fresh, not yet entered ``uow``); the
step is ``verb_noun_in_tx``, takes the caller's connection (and caches) first and never
commits. So ``route_lead`` / ``route_lead_in_tx``, ``drain_queue`` / ``drain_queue_in_tx``,
``assign_manually`` / ``assign_manually_in_tx``, ``accept_offer`` / ``accept_in_tx``,
``change_status_in_tx``. SQL lives in ``store/`` behind repositories on the unit of work
(``uow.leads``, ``uow.assignments``, ``uow.outbox``, ``uow.decisions``,
``uow.idempotency``); read-only list endpoints may stay plain queries.
"""
