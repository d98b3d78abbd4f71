"""Browser-test helpers (Playwright, sync API)."""

from __future__ import annotations

import re
from typing import Any

from testing.personas import PERSONA_PASSWORD


def login(page: Any, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PERSONA_PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
