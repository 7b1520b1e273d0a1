"""Compliance: license expiration sweeps, coverage forecasts, registry reconciliation."""
