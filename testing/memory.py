"""Run a function in a forked child whose memory is capped, and report how much it took.

A file that makes a reader allocate gigabytes must not take the test run (or a machine
shared with others) down with it: the child may grow its address space by `cap_mb` at
most, so an allocation beyond that fails with MemoryError inside the child only.
"""

from __future__ import annotations

import json
import os
import resource
import select
import signal
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Outcome:
    """What the call did: the exception's type and message ("" if it returned), and the
    growth of the child's resident memory at its peak, in MB."""

    error: str
    message: str
    peak_mb: float


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise LookupError(field)


def run_capped(
    func: Callable[..., Any], *args: Any, cap_mb: int = 600, timeout: float = 120
) -> Outcome:
    """`func(*args)` in a child limited to `cap_mb` MB more address space than it started
    with; a child killed by a signal or out of time is reported as such."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the test run
        code = 0
        try:
            os.close(read_end)
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")  # reset the peak resident size to the current one
            start = _status_kb("VmRSS")
            cap = _status_kb("VmSize") * 1024 + cap_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
            try:
                func(*args)
                error, message = "", ""
            except BaseException as exc:  # noqa: BLE001 - reported to the parent
                error, message = type(exc).__name__, str(exc)
            peak = (_status_kb("VmHWM") - start) / 1024
            payload = json.dumps({"error": error, "message": message[:2000], "peak_mb": peak})
            os.write(write_end, payload.encode())
        except BaseException:  # noqa: BLE001
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    chunks = []
    try:
        while True:
            ready, _w, _x = select.select([read_end], [], [], timeout)
            if not ready:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return Outcome("Timeout", f"no answer within {timeout} s", float("nan"))
            chunk = os.read(read_end, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_end)
    _pid, status = os.waitpid(pid, 0)
    if not chunks:
        return Outcome("Killed", f"child ended with status {status}", float("nan"))
    data = json.loads(b"".join(chunks))
    return Outcome(data["error"], data["message"], data["peak_mb"])
