"""Typed helpers that read settings from the environment and fail loudly on bad values."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ImproperSetting(ValueError):
    """Raised when an environment variable holds a value the project cannot use."""


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperSetting(f"{name} must be set")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperSetting(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperSetting(f"{name} must be an integer; got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperSetting(f"{name} must be at least {minimum}; got {value}")
    return value


_HEADER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")


def env_header(name: str, default: str) -> str:
    """An HTTP header name (letters, digits and hyphens), e.g. X-Forwarded-For."""
    value = env_str(name, default).strip()
    if not _HEADER_NAME.match(value):
        raise ImproperSetting(
            f"{name} must be an HTTP header name such as X-Real-IP; got {value!r}"
        )
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    items = [item.strip() for item in raw.split(",")]
    if any(not item for item in items):
        raise ImproperSetting(f"{name} is a comma-separated list without empty items; got {raw!r}")
    return items


def parse_database_url(url: str, *, base_dir: Path) -> dict[str, object]:
    """Turn a DATABASE_URL into a Django DATABASES entry (sqlite or postgres only)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        # sqlite:///relative/path or sqlite:////absolute/path
        raw_path = unquote(parts.path)
        if raw_path.startswith("/"):
            raw_path = raw_path[1:]
        if not raw_path:
            raise ImproperSetting(f"DATABASE_URL {url!r} names no SQLite file")
        given = Path(raw_path)
        name = given if given.is_absolute() else base_dir / given
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(name),
            "OPTIONS": {
                # WAL lets readers work while one writer commits; IMMEDIATE avoids
                # "database is locked" upgrades inside transactions.
                # A 64 MB page cache and memory-mapped reads keep the hot indexes of a
                # million-row file in memory instead of re-reading them for every query.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000; "
                    "PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456; "
                    "PRAGMA temp_store=MEMORY;"
                ),
                "transaction_mode": "IMMEDIATE",
            },
            # Opening a connection and running the pragmas costs about as much as a small
            # request; keep each worker thread's connection open between requests.
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "TEST": {"NAME": str(name.with_name(name.stem + "_test" + name.suffix))},
        }
    if scheme in {"postgres", "postgresql", "pgsql"}:
        db_name = unquote(parts.path.lstrip("/"))
        if not db_name:
            raise ImproperSetting(f"DATABASE_URL {url!r} names no PostgreSQL database")
        try:
            port = parts.port
        except ValueError:
            raise ImproperSetting(f"DATABASE_URL {url!r} has a bad port") from None
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": db_name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "OPTIONS": dict(parse_qsl(parts.query)),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    raise ImproperSetting(
        f"DATABASE_URL must start with sqlite:// or postgres://; got scheme {scheme!r}"
    )


def parse_cache_url(url: str) -> dict[str, object]:
    """Turn CACHE_URL into Django's default cache: empty or locmem:// for memory in each
    process, redis://host:port/db for one cache that every worker process shares (the API
    throttle then counts each user's requests across all workers)."""
    scheme = urlsplit(url).scheme.lower() if url else "locmem"
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if scheme in {"redis", "rediss"}:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    raise ImproperSetting(f"CACHE_URL must be empty, locmem:// or redis://...; got {url!r}")
