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
* ``admin/``      agencies and keys, security, webhook endpoints, the policy document,
                  the outbox and alerts

Every use case is a keyword-only function, given ``uow`` and ``now`` (and the caches it
needs) by its entrypoint; it owns its transaction. No service reads the clock or imports the
composition root (``leadrouter.bootstrap``). See docs/architecture.md.
"""
