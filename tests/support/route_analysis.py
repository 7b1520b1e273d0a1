"""One analysis of each route per test process, however many apps the tests build.

FastAPI analyses a route's endpoint (its signature, its parameters and their Pydantic fields,
its response model) once for the route and again for every app that includes it, lazily, on
that app's first request through the route's router. Production builds one app per process;
the suite builds one per test (``client``), so the same analysis ran again in every API test:
about a third of such a test's processor time. The analysis is a pure function of the
endpoint, its path and its dependencies, so it is kept here and handed to the next app, as the
routes themselves already are. Nothing the app does with a request changes.

The two functions wrapped are FastAPI internals: if a FastAPI upgrade renames them, the suite
is only slower, never wrong (``share_route_analysis`` then wraps nothing).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import routing


def share_route_analysis() -> None:
    """Keep each route's analysis for the whole test process (idempotent)."""
    build = getattr(routing, "_build_dependant_with_parameterless_dependencies", None)
    if callable(build) and not hasattr(build, "__wrapped__"):
        routing._build_dependant_with_parameterless_dependencies = _shared_dependant(build)  # type: ignore[attr-defined]
    field = getattr(routing, "create_model_field", None)
    if callable(field) and not hasattr(field, "__wrapped__"):
        routing.create_model_field = _shared_field(field)  # type: ignore[attr-defined]


def _shared_dependant(build: Callable[..., Any]) -> Callable[..., Any]:
    kept: dict[tuple[Any, ...], Any] = {}

    @functools.wraps(build)
    def shared(*, path: str, call: Callable[..., Any], dependencies: Sequence[Any]) -> Any:
        # The Depends markers are frozen dataclasses, hashable unless one holds something
        # that is not: then analyse afresh, as FastAPI would.
        try:
            key = (path, call, tuple(dependencies))
            hash(key)
        except TypeError:
            return build(path=path, call=call, dependencies=dependencies)
        if key not in kept:
            kept[key] = build(path=path, call=call, dependencies=dependencies)
        return kept[key]

    return shared


def _shared_field(create: Callable[..., Any]) -> Callable[..., Any]:
    kept: dict[tuple[Any, ...], Any] = {}

    @functools.wraps(create)
    def shared(name: str, type_: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            key = (name, type_, args, tuple(sorted(kwargs.items())))
            hash(key)
        except TypeError:
            return create(name, type_, *args, **kwargs)
        if key not in kept:
            kept[key] = create(name, type_, *args, **kwargs)
        return kept[key]

    return shared
