"""Exit 0 when the PostgreSQL server named by the URL answers, 1 otherwise (prints why)."""

from __future__ import annotations

import sys

import psycopg


def main() -> int:
    url = sys.argv[1]
    try:
        # Connect to the maintenance database: the test run creates its own test database.
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        print(f"PostgreSQL not reachable: {exc}".strip())
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
