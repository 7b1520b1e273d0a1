"""Pydantic bodies of the HTTP API; they translate at the edge and are never domain objects."""
