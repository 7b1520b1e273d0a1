"""The reports as JSON-ready dicts: counts, derived rates and money as strings of cents."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from leadrouter.services.reports.monthly import Group, MonthlyReport
from leadrouter.services.reports.producer_stats import ProducerStats, StatsRow
from leadrouter.services.reports.source_roi import SourceMonth
from leadrouter.store.figures import Figures


def money(amount: Decimal | None) -> str | None:
    """Money as the API writes it: "1250.00"."""
    return None if amount is None else f"{amount:.2f}"


def figures_document(f: Figures) -> dict[str, Any]:
    """Counts, money and every derived rate of one group."""
    return {
        "leads": f.leads,
        "contacted": f.contacted,
        "never_contacted": f.never_contacted,
        "within_5_min": f.within_5_min,
        "within_30_min": f.within_30_min,
        "quoted": f.quoted,
        "bound": f.bound,
        "lost": f.lost,
        "premium": money(f.premium),
        "commission": money(f.commission),
        "quoted_premium": money(f.quoted_premium),
        **f.rates(),
    }


def _stats_row(row: StatsRow) -> dict[str, Any]:
    return {
        "producer_id": row.producer_id,
        "producer_name": row.producer_name,
        "line": row.line,
        "tier": row.tier,
        "source": row.source,
        "median_response_seconds": row.median_response_seconds,
        **figures_document(row.figures),
    }


def stats_document(stats: ProducerStats) -> dict[str, Any]:
    """Producer statistics: per producer, and per producer x line x tier x source."""
    return {
        "since": stats.since.isoformat(),
        "until": stats.until.isoformat(),
        "producers": [_stats_row(r) for r in stats.producers],
        "rows": [_stats_row(r) for r in stats.rows],
    }


def source_month_document(s: SourceMonth) -> dict[str, Any]:
    """One source in one month with its cost, conversion and ROI."""
    return {
        "month": s.month,
        "source": s.source,
        "leads": s.figures.leads,
        "cost_per_lead": money(s.cost_per_lead),
        "cost": money(s.cost),
        "contacted": s.figures.contacted,
        "within_5_min": s.figures.within_5_min,
        "quoted": s.figures.quoted,
        "bound": s.figures.bound,
        "cost_per_quote": money(s.cost_per_quote),
        "cost_per_bind": money(s.cost_per_bind),
        "premium": money(s.figures.premium),
        "avg_premium": money(s.avg_premium),
        "commission": money(s.figures.commission),
        "roi": s.roi,
    }


def _group(g: Group) -> dict[str, Any]:
    return {
        "name": g.key,
        "producer_id": g.producer_id,
        "median_response_seconds": g.median_response_seconds,
        **figures_document(g.figures),
    }


def monthly_document(r: MonthlyReport) -> dict[str, Any]:
    """The monthly report, section by section."""
    t = r.total
    return {
        "agency": r.agency_name,
        "month": r.month.label,
        "from": r.month.start.isoformat(),
        "until": r.month.end.isoformat(),
        "generated_at": r.generated_at.isoformat(),
        "volume": {
            "leads": t.leads,
            "by_source": [{"name": s.source, "leads": s.figures.leads} for s in r.by_source],
            "by_line": [{"name": g.key, "leads": g.figures.leads} for g in r.by_line],
        },
        "speed": {
            "avg_first_response_seconds": t.avg_response_seconds,
            "median_first_response_seconds": r.median_response_seconds,
            "pct_within_5_min": t.pct_within_5_min,
            "pct_within_30_min": t.pct_within_30_min,
            "never_contacted": t.never_contacted,
            "distribution": [{"bucket": b, "leads": n} for b, n in r.response_buckets],
        },
        "distribution": {
            "by_producer": [
                {"name": g.key, "producer_id": g.producer_id, "leads": g.figures.leads}
                for g in r.by_producer
            ],
            "reassignments": r.reassignments,
            "escalations": r.escalations,
        },
        "conversion": {
            "lead_to_quote": t.quote_rate,
            "quote_to_bind": t.quote_to_bind,
            "lead_to_bind": t.lead_to_bind,
            "premium": money(t.premium),
            "commission": money(t.commission),
        },
        "cost": {
            "total": money(r.cost),
            "per_lead": money(r.cost_per_lead),
            "per_bind": money(r.cost_per_bind),
            "by_source": [source_month_document(s) for s in r.by_source],
        },
        "producers_ranked": [_group(g) for g in r.ranked],
    }
