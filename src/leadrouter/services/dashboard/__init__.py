"""The figures the pages show: the live dashboard, the producer portal, their charts.

Every number on a page comes from a function here (or from ``services/reports`` where the
same figure is reported), never from a template or a route.
"""
