"""Settings, read once from the environment (``LEADROUTER_`` prefix) and passed down."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything that differs between a laptop demo and a production deployment."""

    model_config = SettingsConfigDict(env_prefix="LEADROUTER_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///leadrouter.db",
        description="SQLAlchemy URL; an SQLite file in the working directory by default.",
    )
    database_pool_size: int = Field(
        default=10, ge=1, description="PostgreSQL connections each process keeps open."
    )
    database_max_overflow: int = Field(
        default=20, ge=0, description="Extra PostgreSQL connections a process may open at peak."
    )
    host: str = "127.0.0.1"
    port: int = 8000
    demo_api_key: str | None = Field(
        default=None,
        description="Fixes the demo agency's API key; otherwise one is generated and printed.",
    )
    demo_password: str | None = Field(
        default=None,
        description="Fixes the password of the demo agency's users (one per role); otherwise "
        "one is generated and printed with the keys.",
    )
    session_hours: float = Field(
        default=12.0, gt=0, description="A web sign-in lasts this long, then asks again."
    )
    cookie_secure: bool = Field(
        default=True,
        description="Send the session cookie over HTTPS only (browsers also allow it on "
        "localhost); turn off only behind a proxy that serves plain HTTP on a trusted network.",
    )

    learning_interval_hours: float = Field(
        default=24.0,
        ge=0,
        description="The worker refits each agency's intent rubric and propensity model (and "
        "its conversion estimates) when the newest is this old; 0 turns it off.",
    )

    # Notifications (the outbox dispatcher and its channels).
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_from: str = Field(default="leadrouter@localhost", description="Envelope sender.")
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 10.0
    sms_base_url: str = Field(
        default="https://api.twilio.com",
        description="Base URL of a Twilio-compatible SMS API (/2010-04-01/Accounts/...).",
    )
    sms_account_sid: str | None = None
    sms_auth_token: str | None = None
    sms_from: str | None = Field(default=None, description="The E.164 number texts come from.")
    sms_timeout_seconds: float = Field(
        default=10.0, description="How long a request to the SMS API may take."
    )
    webhook_timeout_seconds: float = 10.0
    outbox_max_attempts: int = Field(default=8, ge=1, description="Then a message is dead.")

    # Hardening: server secrets and edge limits (docs/security.md).
    secrets_key: str | None = Field(
        default=None,
        description="Fernet key that encrypts webhook secrets and SMS auth tokens at rest; "
        "without it a fixed development key is used (never in production).",
    )
    audit_key: str | None = Field(
        default=None,
        description="Server secret keying the audit chain and its signed checkpoints; "
        "without it a fixed development key is used (never in production).",
    )
    public_base_url: str | None = Field(
        default=None,
        description="The URL the world reaches this server at (e.g. https://leads.example.com); "
        "inbound provider signatures are checked against it. Default: the request's own URL.",
    )
    form_rate_per_minute: int = Field(
        default=60, ge=1, description="Public form posts per minute per form key."
    )
    form_rate_per_client_per_minute: int = Field(
        default=10, ge=1, description="Public form posts per minute per client address."
    )
    api_rate_per_minute: int = Field(
        default=600, ge=1, description="Requests per minute per API key."
    )
    header_timeout_seconds: float = Field(
        default=10.0, gt=0, description="A request head must arrive within this; else closed."
    )
    body_timeout_seconds: float = Field(
        default=30.0, gt=0, description="A request body must arrive within this; else closed."
    )
    max_connections: int = Field(
        default=1000, ge=1, description="Connections and requests served at once; more get 503."
    )
    listen_backlog: int = Field(
        default=2048, ge=1, description="Connections waiting to be accepted."
    )

    # Imports (docs/csv-formats.md, "Large files").
    import_chunk_rows: int = Field(
        default=1000,
        ge=1,
        description="Rows written per transaction by an import job; a file of at most this "
        "many rows is imported at once, in one transaction.",
    )
    import_chunk_seconds: float = Field(
        default=0.1,
        gt=0,
        description="Processor time one chunk of an import job may take holding the write "
        "lock: chunks are sized by it, up to import_chunk_rows rows.",
    )
    import_lease_seconds: float = Field(
        default=60.0,
        gt=0,
        description="A running import job renews its claim this often; a job whose claim "
        "passed (its process died) is resumed by a worker.",
    )
