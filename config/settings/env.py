"""Small helpers to read settings from the environment."""

import os

from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = os.environ.get(name)
    if value in (None, ""):
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_required(name: str, hint: str) -> str:
    """Return a variable production cannot run without, or stop with a clear message."""
    value = os.environ.get(name)
    if value in (None, ""):
        raise ImproperlyConfigured(
            f"缺少必需的环境变量 {name}（{hint}）。"
            f" Missing required environment variable {name} ({hint})."
            " See .env.example."
        )
    return value
