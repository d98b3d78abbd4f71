"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's
live server. Nothing is downloaded; without a chromium binary the tests are skipped with
the reason printed."""

from __future__ import annotations

import importlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; Django's async-safety guard would
# otherwise refuse the ORM calls the tests make around it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


@pytest.fixture(autouse=True)
def _reference_data(django_db_blocker: Any) -> Iterator[None]:
    """Live-server tests run in a transactional database that is flushed afterwards; load
    the reference data when it is missing and put it back after the flush so that later
    tests find districts, stages and taxonomy as the root conftest promised."""
    from django.core.management import call_command

    def _load() -> None:
        with django_db_blocker.unblock():
            from django.apps import apps

            from projects.models import Stage

            if not Stage.objects.exists():
                # Stages are seeded by a data migration, which a flush does not replay.
                seed_stages = importlib.import_module("projects.migrations.0002_seed_stages")
                seed_stages.seed(apps, None)
                with open(os.devnull, "w") as sink:
                    call_command("load_reference", verbosity=0, stdout=sink)

    _load()
    yield
    _load()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        reason = "chromium is not installed (apt-get install chromium); browser tests skipped"
        print(reason)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 1440, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def shoot() -> Any:
    """Save a full-page screenshot into the git-ignored screenshots/ folder."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def _shoot(page: Any, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=False)
        return path

    return _shoot
