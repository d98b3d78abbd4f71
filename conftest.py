"""Test-wide fixtures: every test database holds the reference data (districts, taxonomy)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        call_command("load_reference", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    yield


@pytest.fixture
def personas(db: Any) -> dict[str, Any]:
    """admin, analyst, officer_xuhui, officer_jiading, partner, viewer (testing/personas.py)."""
    from testing.personas import create_personas

    return create_personas()


@pytest.fixture
def media_in_tmp(settings: Any, tmp_path: Any) -> Iterator[Any]:
    """Uploaded files go to a temporary MEDIA_ROOT instead of var/media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    yield tmp_path / "media"


@pytest.fixture
def english() -> Iterator[None]:
    """Messages in English, so tests can match them whatever the default language."""
    from django.utils import translation

    with translation.override("en"):
        yield
