"""PDF bulletins: a bounded number of prints at once per user and per host (finding 9)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from reports import renderers, slots

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def lock_dir(settings: Any, tmp_path: Path) -> Path:
    settings.RENDER_LOCK_DIR = tmp_path / "locks"
    settings.PDF_RENDERS_PER_USER = 1
    settings.PDF_RENDERS_TOTAL = 2
    return tmp_path / "locks"


@pytest.fixture
def fake_print(monkeypatch: Any) -> list[str]:
    """renderers.render without WeasyPrint: records the formats it was asked for."""
    calls: list[str] = []

    def render(doc: Any, fmt: str) -> bytes:
        calls.append(fmt)
        return b"%PDF-1.7 fake" if fmt == "pdf" else b"# bulletin"

    monkeypatch.setattr(renderers, "render", render)
    return calls


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_second_print_by_the_same_user_is_refused_until_the_first_ends(
    personas: dict[str, Any],
) -> None:
    analyst = personas["analyst"]
    with slots.render_slot(analyst):
        with pytest.raises(slots.NoFreeSlot) as refused, slots.render_slot(analyst):
            pass
        assert refused.value.scope == "user"
        with slots.render_slot(personas["viewer"]):  # another user still gets a slot
            pass
    with slots.render_slot(analyst):  # released
        pass


def test_the_host_limit_counts_every_user(personas: dict[str, Any]) -> None:
    with slots.render_slot(personas["admin"]), slots.render_slot(personas["analyst"]):
        with pytest.raises(slots.NoFreeSlot) as refused, slots.render_slot(personas["viewer"]):
            pass
        assert refused.value.scope == "host"


def test_a_slot_held_by_another_process_counts(personas: dict[str, Any], lock_dir: Path) -> None:
    # gunicorn's workers are processes: the slots must be shared between them.
    lock_dir.mkdir(parents=True, exist_ok=True)
    user = personas["analyst"]
    holder = textwrap.dedent(
        f"""
        import fcntl, sys
        handle = open({str(lock_dir / f"pdf-user-{user.pk}-0.lock")!r}, "a+b")
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        print("held", flush=True)
        sys.stdin.read()
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", holder], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        with pytest.raises(slots.NoFreeSlot), slots.render_slot(user):
            pass
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=10)
    with slots.render_slot(user):  # the process ended: its lock went with it
        pass


def test_a_pdf_request_beyond_the_users_limit_answers_429_with_retry_after(
    personas: dict[str, Any], fake_print: list[str]
) -> None:
    partner = personas["partner"]
    client = _client(partner)
    with slots.render_slot(partner):
        response = client.get("/reports/", {"period": "2024Q1", "format": "pdf"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert fake_print == []  # nothing was printed
    # Markdown needs no browser and no slot.
    with slots.render_slot(partner):
        assert client.get("/reports/", {"period": "2024Q1", "format": "md"}).status_code == 200
    response = client.get("/reports/", {"period": "2024Q1", "format": "pdf"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_parallel_prints_of_one_user_in_threads_get_one_slot() -> None:
    # Threads of one worker (gthread) open their own descriptors: flock keeps them apart.
    user = type("User", (), {"pk": 4711})()
    inside, release = threading.Barrier(2, timeout=10), threading.Event()
    outcomes: list[str] = []

    def print_pdf() -> None:
        try:
            with slots.render_slot(user):
                outcomes.append("printed")
                inside.wait()
                release.wait(10)
        except slots.NoFreeSlot:
            outcomes.append("refused")

    first = threading.Thread(target=print_pdf)
    first.start()
    inside.wait()  # the first thread holds the slot
    others = [threading.Thread(target=print_pdf) for _ in range(5)]
    for thread in others:
        thread.start()
    for thread in others:
        thread.join(10)
    release.set()
    first.join(10)
    assert sorted(outcomes) == ["printed", *["refused"] * 5]
