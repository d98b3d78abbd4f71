from __future__ import annotations

from pathlib import Path

import pytest

from config.env import (
    ImproperSetting,
    env_bool,
    env_header,
    env_int,
    env_list,
    env_str,
    parse_cache_url,
    parse_database_url,
)


def test_env_bool_accepts_common_spellings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLAG", "Yes")
    assert env_bool("FLAG", False) is True
    monkeypatch.setenv("FLAG", "0")
    assert env_bool("FLAG", True) is False


def test_env_bool_rejects_garbage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperSetting, match="FLAG"):
        env_bool("FLAG", False)


def test_env_int_rejects_non_numbers_and_small_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("N", "ten")
    with pytest.raises(ImproperSetting, match="integer"):
        env_int("N", 1)
    monkeypatch.setenv("N", "3")
    with pytest.raises(ImproperSetting, match="at least 5"):
        env_int("N", 10, minimum=5)


def test_env_list_rejects_empty_items(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOSTS", "a.example,,b.example")
    with pytest.raises(ImproperSetting, match="empty"):
        env_list("HOSTS", [])
    monkeypatch.setenv("HOSTS", "a.example, b.example")
    assert env_list("HOSTS", []) == ["a.example", "b.example"]


def test_env_str_requires_a_value_without_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MISSING_SETTING", raising=False)
    with pytest.raises(ImproperSetting, match="must be set"):
        env_str("MISSING_SETTING")


def test_sqlite_url_uses_wal_and_a_path_under_the_project() -> None:
    db = parse_database_url("sqlite:///var/x.sqlite3", base_dir=Path("/srv/app"))
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == "/srv/app/var/x.sqlite3"
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]  # type: ignore[index]


def test_postgres_url_is_split_into_parts() -> None:
    db = parse_database_url(
        "postgres://u:p%40ss@db.local:6543/zs?sslmode=require", base_dir=Path("/")
    )
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "zs",
        "u",
        "p@ss",
        "db.local",
        "6543",
    )
    assert db["OPTIONS"] == {"sslmode": "require"}


@pytest.mark.parametrize(
    "url", ["mysql://root@localhost/db", "postgres://localhost", "sqlite://", "postgres://h:x/db"]
)
def test_bad_database_urls_are_refused(url: str) -> None:
    with pytest.raises(ImproperSetting):
        parse_database_url(url, base_dir=Path("/"))


def test_cache_url_chooses_process_memory_or_a_shared_redis() -> None:
    locmem = "django.core.cache.backends.locmem.LocMemCache"
    assert parse_cache_url("") == parse_cache_url("locmem://") == {"BACKEND": locmem}
    redis = parse_cache_url("redis://127.0.0.1:6379/3")
    assert redis == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/3",
    }
    with pytest.raises(ImproperSetting, match="CACHE_URL"):
        parse_cache_url("memcached://127.0.0.1:11211")


def test_env_header_accepts_header_names_only(monkeypatch: pytest.MonkeyPatch) -> None:
    assert env_header("HDR", "X-Forwarded-For") == "X-Forwarded-For"
    monkeypatch.setenv("HDR", "X-Real-IP")
    assert env_header("HDR", "X-Forwarded-For") == "X-Real-IP"
    monkeypatch.setenv("HDR", "X Real IP: 1")
    with pytest.raises(ImproperSetting, match="HDR"):
        env_header("HDR", "X-Forwarded-For")
