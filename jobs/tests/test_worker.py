"""The real worker (`manage.py db_worker`) in a subprocess, on a SQLite file database.

Covers what one process cannot: a task enqueued by one process and run by the worker updates
its Job; a failing task leaves its error and no data; and a worker killed in the middle of the
rollup rebuild leaves the previous rollup untouched, and a re-run gives the same rows as an
uninterrupted rebuild.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECTS = 6000
pytestmark = [pytest.mark.timeout(900)]

START = (
    "from django.contrib.auth import get_user_model; from jobs import runner; "
    "print(runner.start(get_user_model().objects.get(username='boss'), 'rollup').pk)"
)


def _env(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DEBUG="1",
        SECRET_KEY="test-only-secret-key-for-the-suite-0123456789",
        DATABASE_URL=f"sqlite:///{db}",
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
    )
    return env


def _manage(db: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_env(db),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _start_rollup(db: Path) -> int:
    """Start a rollup job as the administrator 'boss' (another process); its id."""
    return int(_manage(db, "shell", "-c", START).strip().splitlines()[-1])


def _worker(db: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay",
         "--interval", "0.05", *args],
        cwd=ROOT,
        env=_env(db),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )  # fmt: skip


def _copy(source: Path, target: Path) -> None:
    """A consistent copy (the sqlite backup API includes what is still in the WAL file)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def _rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def _job(db: Path, pk: int) -> dict[str, Any]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute("SELECT * FROM jobs_job WHERE id = ?", [pk]).fetchone()
    return dict(row)


def _rollup(db: Path) -> tuple[list[Any], list[Any], int]:
    facts = _rows(db, "SELECT * FROM analytics_projectfact ORDER BY project_id")
    names = [r[1] for r in _rows(db, "PRAGMA table_info(analytics_rollup)") if r[1] != "id"]
    cols = ", ".join(names)
    rollup = _rows(db, f"SELECT {cols} FROM analytics_rollup ORDER BY {cols}")  # noqa: S608
    states = _rows(db, "SELECT count(*) FROM analytics_rollupstate")[0][0]
    return facts, rollup, states


def _write_locked(db: Path) -> bool:
    """Whether another connection holds SQLite's write lock (a write transaction is open)."""
    conn = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc):
            raise
        return True
    finally:
        conn.close()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: Any) -> Path:
    db = tmp_path_factory.mktemp("worker") / "seed.sqlite3"
    _manage(db, "migrate", "-v0")
    _manage(db, "load_reference", "-v0")
    _manage(db, "generate", "--projects", str(PROJECTS), "--seed", "7", "-v0")
    _manage(
        db,
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; "
        "get_user_model().objects.create_superuser('boss', 'boss@example.com', 'x')",
    )
    return db


@pytest.fixture
def db_file(seeded: Path, tmp_path: Path) -> Path:
    db = tmp_path / "work.sqlite3"
    _copy(seeded, db)
    return db


def test_worker_runs_an_enqueued_rollup_job_to_done(db_file: Path) -> None:
    pk = _start_rollup(db_file)
    assert _job(db_file, pk)["status"] == "queued"
    worker = _worker(db_file, "--batch")
    assert worker.wait(timeout=600) == 0
    job = _job(db_file, pk)
    assert job["status"] == "done", job["message"]
    assert job["done"] == job["total"] == PROJECTS + 10
    assert job["result_url"] == "/cockpit/"
    facts, rollup, states = _rollup(db_file)
    assert facts and rollup and states == 1
    result = _rows(db_file, "SELECT status FROM django_tasks_database_dbtaskresult")
    assert result == [("SUCCESSFUL",)]


def test_a_failing_task_records_its_error_and_leaves_no_data(db_file: Path) -> None:
    companies = _rows(db_file, "SELECT count(*) FROM companies_company")
    pk = int(
        _manage(
            db_file,
            "shell",
            "-c",
            "from jobs.models import Job; from testing.jobs_tasks import write_then_fail; "
            "job = Job.objects.create(kind='test', label='t', language='zh-hans'); "
            "write_then_fail.enqueue(job.pk); print(job.pk)",
        )
        .strip()
        .splitlines()[-1]
    )
    assert _worker(db_file, "--batch").wait(timeout=600) == 0
    job = _job(db_file, pk)
    assert job["status"] == "failed"
    assert job["message"] == "第 2 步失败：数据有误"
    assert job["finished"] is not None
    assert _rows(db_file, "SELECT count(*) FROM companies_company") == companies
    assert not _rows(
        db_file, "SELECT id FROM companies_company WHERE name_zh_hans = '半途而废有限公司'"
    )
    result = _rows(db_file, "SELECT status FROM django_tasks_database_dbtaskresult")
    assert result == [("FAILED",)]


def test_killing_the_worker_mid_rebuild_loses_nothing_and_a_rerun_gives_the_same_data(
    db_file: Path, tmp_path: Path
) -> None:
    _manage(db_file, "rollup", "-v0")
    before = _rollup(db_file)
    # Add projects behind the signals' back (bulk inserts), so that a rebuild gives other rows.
    _manage(db_file, "generate", "--projects", "500", "--seed", "8", "-v0")
    uninterrupted = tmp_path / "uninterrupted.sqlite3"
    _copy(db_file, uninterrupted)
    report = _manage(uninterrupted, "rollup")
    took = float(report.split("rollup rebuilt in ")[1].split("s")[0])
    expected = _rollup(uninterrupted)
    assert expected != before

    first = _start_rollup(db_file)
    worker = _worker(db_file)
    try:
        # The job's total is written before the rebuild's transaction opens; once it is set,
        # a held write lock means the worker is inside that transaction. Kill it about
        # halfway through (as long as the uninterrupted rebuild took), with the lock still held.
        deadline = time.monotonic() + 300
        while not (_job(db_file, first)["total"] and _write_locked(db_file)):
            assert worker.poll() is None, "the worker exited before it was killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        time.sleep(max(0.2, took / 2))
        assert _write_locked(db_file), "the rebuild ended before the kill: use more projects"
        assert _job(db_file, first)["status"] == "running"
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        if worker.poll() is None:  # an assertion above failed: do not leave it running
            worker.kill()
        worker.wait(timeout=60)
    assert worker.returncode == -signal.SIGKILL
    assert _job(db_file, first)["status"] == "running"
    # Nothing of the interrupted rebuild is visible: the previous rollup is intact.
    assert _rollup(db_file) == before

    second = _start_rollup(db_file)
    assert _worker(db_file, "--batch").wait(timeout=600) == 0
    assert _job(db_file, second)["status"] == "done", _job(db_file, second)["message"]
    assert _rollup(db_file) == expected
