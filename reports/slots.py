"""How many PDF bulletins may be printed at once, per user and on the whole host.

A PDF is laid out by WeasyPrint inside the web request (until bulletins move to the task
queue); each one holds a worker for a while (docs/benchmarks/bulletin_pdf.md). Six parallel
requests by one user used to occupy six workers and stall the API. A print now needs a slot:
one of PDF_RENDERS_PER_USER slots of the user and one of PDF_RENDERS_TOTAL slots of the
host; without a free slot the request answers 429 with Retry-After at once.

A slot is an exclusive `flock` on a small file in RENDER_LOCK_DIR, so every worker process
of the host (gunicorn's sync workers share no memory) sees the same slots, and a worker
that dies releases its slots with its file descriptors: nothing to expire or clean up.
Several hosts behind one balancer each count their own slots.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Any

from django.conf import settings

#: Seconds a refused client is told to wait (about one print of a quarterly bulletin).
RETRY_AFTER = 10


class NoFreeSlot(Exception):
    """Every slot of the user or of the host is taken; `retry_after` in seconds."""

    def __init__(self, scope: str) -> None:
        super().__init__(scope)
        self.scope = scope
        self.retry_after = RETRY_AFTER


def _lock_dir() -> Path:
    path = Path(settings.RENDER_LOCK_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _take_one(stack: ExitStack, names: list[str]) -> bool:
    """Lock the first free file of `names` for the life of `stack`; False if all are taken."""
    directory = _lock_dir()
    for name in names:
        handle: IO[Any] = open(directory / name, "a+b")  # noqa: SIM115 - closed by the stack
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        stack.callback(handle.close)  # closing the descriptor releases the lock
        return True
    return False


@contextmanager
def render_slot(user: Any, kind: str = "pdf") -> Iterator[None]:
    """Hold one of the user's and one of the host's slots for `kind` while the block runs;
    raises NoFreeSlot at once (never waits) when either is full."""
    per_user = max(1, int(settings.PDF_RENDERS_PER_USER))
    total = max(1, int(settings.PDF_RENDERS_TOTAL))
    who = getattr(user, "pk", None) or "anonymous"
    with ExitStack() as stack:
        if not _take_one(stack, [f"{kind}-user-{who}-{i}.lock" for i in range(per_user)]):
            raise NoFreeSlot("user")
        if not _take_one(stack, [f"{kind}-host-{i}.lock" for i in range(total)]):
            raise NoFreeSlot("host")
        yield
