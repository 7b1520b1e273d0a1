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
    host: str = "127.0.0.1"
    port: int = 8000
    demo_api_key: str | None = Field(
        default=None,
        description="Fixes the demo agency's API key; otherwise one is generated and printed.",
    )
    default_timezone: str = "America/New_York"
