"""Reports: producer statistics, source ROI, the monthly report and the AMS export.

Each use case is keyword-only, given ``uow``, ``agency_id`` and ``now``, and returns plain
dataclasses that the API, the CLI and the web pages render as they need.
"""
