"""The one error root of leadrouter, mapped to RFC 9457 problem+json once, in the API.

LeadRouterError
├── ValidationFailed       422  bad input; names each field and the reason
├── Unauthorized           401  no key, or a key we do not know
├── Forbidden              403  a known key that may not do this
├── NotFound               404  absent, or belongs to another agency
├── Conflict               409  a state that forbids the request
│   └── NotLicensed        409  the license gate refused an owner
├── TooLarge               413  an upload over the size limit
├── UnsupportedMediaType   415  an upload in a media type we do not read
├── TooManyRequests        429  over a rate limit; says when to come back
└── Unavailable            503  the database is busy (locked); says when to come back
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    """One reason a field was refused; ``field`` is a dotted path into the input."""

    field: str
    reason: str


@dataclass
class LeadRouterError(Exception):
    """Base of every error leadrouter raises on purpose."""

    detail: str
    errors: list[FieldError] = field(default_factory=list)

    status = 500
    title = "Internal error"
    slug = "internal"

    def __str__(self) -> str:
        return self.detail


class ValidationFailed(LeadRouterError):
    status = 422
    title = "Validation failed"
    slug = "validation-failed"


class Unauthorized(LeadRouterError):
    status = 401
    title = "Unauthorized"
    slug = "unauthorized"


class Forbidden(LeadRouterError):
    status = 403
    title = "Forbidden"
    slug = "forbidden"


class NotFound(LeadRouterError):
    status = 404
    title = "Not found"
    slug = "not-found"


class Conflict(LeadRouterError):
    status = 409
    title = "Conflict"
    slug = "conflict"


class NotLicensed(Conflict):
    title = "Not licensed"
    slug = "not-licensed"


class TooLarge(LeadRouterError):
    status = 413
    title = "Content too large"
    slug = "content-too-large"


class UnsupportedMediaType(LeadRouterError):
    status = 415
    title = "Unsupported media type"
    slug = "unsupported-media-type"


@dataclass
class TooManyRequests(LeadRouterError):
    status = 429
    title = "Too many requests"
    slug = "too-many-requests"

    retry_after: int = 1


@dataclass
class Unavailable(LeadRouterError):
    status = 503
    title = "Service unavailable"
    slug = "unavailable"

    retry_after: int = 1
