"""Roster use cases: producers, licenses, territories, clients and lead sources of an agency.

Every function is keyword-only and owns its transaction; every id it is given must belong
to the caller's agency (another agency's id is NotFound, a reference to one is refused).
"""
