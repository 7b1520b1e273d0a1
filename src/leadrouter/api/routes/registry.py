"""Every /v1 router, in the order the OpenAPI page shows them."""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    from leadrouter.api.routes import (
        agency_security,
        agency_settings,
        keys,
        leads,
        policy,
        roster,
        routing,
    )

    return [
        keys.router,
        *_report_routers(),  # before leads: /leads/export.csv is not /leads/{lead_id}
        leads.router,
        agency_settings.router,
        agency_security.router,
        *roster.routers(),
        routing.router,
        policy.router,
        *_notify_routers(),
        *_compliance_routers(),
        *_time_engine_routers(),
        *_learning_routers(),
    ]


def _learning_routers() -> list[APIRouter]:
    from leadrouter.api.routes import estimates

    return [estimates.router]


def _notify_routers() -> list[APIRouter]:
    from leadrouter.api.routes import alerts, outbox, webhooks

    return [outbox.router, alerts.router, webhooks.router]


def _compliance_routers() -> list[APIRouter]:
    from leadrouter.api.routes import audit, compliance

    return [compliance.router, audit.router]


def _time_engine_routers() -> list[APIRouter]:
    from leadrouter.api.routes import activities, offers

    return [activities.router, offers.router]


def _report_routers() -> list[APIRouter]:
    from leadrouter.api.routes import reports

    return [reports.router]
