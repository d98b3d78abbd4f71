"""Benchmark: XLSX readers on the import benchmark's ledger, each run in a fresh process.

    .venv/bin/python benchmarks/readers.py [--rows 100000] [--seed 7] [--repeat 5]
        [--baseline-ref layout] [--libreoffice]

Readers compared, each turning every row of the sheet into the engine's row format
(``SheetRow`` with ints for integral numbers and datetimes for date cells):

* ``regex``: the regular-expression reader this project used before, loaded from
  ``ingest/spreadsheet/readers.py`` at git ref ``--baseline-ref`` (``git show``);
* ``calamine``: today's reader (python-calamine), ``ingest.spreadsheet.readers._read_xlsx``;
* ``openpyxl``: openpyxl's read-only mode (``values_only``), converted the same way.

Only the reader is timed: the reader-independent safety checks (``limits.check``) run
before every reader and are timed once, on their own. Each measurement is a fresh process,
so its peak RSS (ru_maxrss) belongs to that reader; "added" is the peak minus the RSS
before the file was read. The rows each reader produced are hashed, so a reader that reads
differently shows up. ``--libreoffice`` also converts the ledger with LibreOffice (soffice)
and measures that file. Results are printed as Markdown; copy them into
docs/benchmarks/import.md.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import io
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "var" / "bench"
READERS = ("regex", "calamine", "openpyxl")


def _setup() -> None:
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{BENCH / 'readers.sqlite3'}")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-for-production-0123456789")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def _regex_module(ref: str) -> Any:
    """The reader module as it was at `ref`, loaded under another name."""
    source = subprocess.run(
        ["git", "show", f"{ref}:ingest/spreadsheet/readers.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = BENCH / f"readers_{ref.replace('/', '_')}.py"
    path.write_text(source, "utf-8")
    spec = importlib.util.spec_from_file_location("_readers_baseline", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _openpyxl_rows(data: bytes, limit: int) -> list[Any]:
    """openpyxl read-only: the first visible worksheet's rows, converted like calamine's."""
    import datetime as dt

    from openpyxl import load_workbook

    from ingest.spreadsheet.readers import SheetRow

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    ws = next(s for s in wb.worksheets if s.sheet_state == "visible")
    rows = []
    for number, raw in enumerate(ws.iter_rows(values_only=True), start=1):
        values = list(raw)
        while values and (values[-1] is None or values[-1] == ""):
            values.pop()
        if not values:
            continue
        for i, v in enumerate(values):
            if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
                values[i] = int(v)
            elif v == "":
                values[i] = None
            elif type(v) is dt.date:
                values[i] = dt.datetime(v.year, v.month, v.day)
        rows.append(SheetRow(number, values))
        if len(rows) > limit:
            raise RuntimeError("too many rows")
    wb.close()
    return rows


def _digest(rows: list[Any]) -> str:
    from ingest.spreadsheet.cells import clean_text

    h = hashlib.sha256()
    for r in rows:
        h.update(repr((r.number, r.hidden, [clean_text(v) for v in r.values])).encode())
    return h.hexdigest()[:12]


def child(reader: str, path: Path, ref: str) -> dict[str, object]:
    _setup()
    from ingest.spreadsheet import limits, readers

    data = path.read_bytes()
    limit = 1_000_000
    if reader == "limits":
        before = _rss_mb()
        started = time.perf_counter()
        limits.check(data, "xlsx", limits.Limits.from_settings(limit))
        seconds = time.perf_counter() - started
        return {"seconds": seconds, "peak_mb": _rss_mb(), "added_mb": _rss_mb() - before}
    module = _regex_module(ref) if reader == "regex" else readers
    if reader == "openpyxl":
        import openpyxl  # noqa: F401  (imported before timing, as the others are)

        def read() -> list[Any]:
            return _openpyxl_rows(data, limit)
    else:
        if reader == "calamine":
            import python_calamine  # noqa: F401

        def read() -> list[Any]:
            rows: list[Any] = module._read_xlsx(data, limit).rows
            return rows

    before = _rss_mb()
    started = time.perf_counter()
    rows = read()
    seconds = time.perf_counter() - started
    peak = _rss_mb()
    return {
        "seconds": seconds,
        "peak_mb": peak,
        "added_mb": peak - before,
        "rows": len(rows),
        "digest": _digest(rows),
    }


def _measure(reader: str, path: Path, ref: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", reader, "--file", str(path), "--baseline-ref", ref],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def _libreoffice(path: Path) -> Path | None:
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        return None
    target = path.with_name(path.stem + "-libreoffice.xlsx")
    if target.exists():
        return target
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                binary,
                f"-env:UserInstallation=file://{tmp}/profile",
                "--headless",
                "--convert-to",
                "xlsx:Calc MS Excel 2007 XML",
                "--outdir",
                tmp,
                str(path),
            ],
            check=True,
            capture_output=True,
            timeout=1800,
        )
        shutil.move(Path(tmp) / path.name, target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5, help="runs per reader (medians)")
    parser.add_argument("--baseline-ref", default="layout", help="git ref of the regex reader")
    parser.add_argument("--libreoffice", action="store_true", help="also a LibreOffice file")
    parser.add_argument("--child", choices=[*READERS, "limits"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.file, args.baseline_ref)))
        return
    BENCH.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    from ingest.sample import ledger_xlsx

    ledger = BENCH / f"ledger-{args.rows}-{args.seed}.xlsx"
    if not ledger.exists():
        ledger.write_bytes(ledger_xlsx(args.rows, args.seed))
    files = [("openpyxl-written", ledger)]
    if args.libreoffice:
        converted = _libreoffice(ledger)
        if converted is None:
            print("LibreOffice (soffice) not installed: its file is skipped", file=sys.stderr)
        else:
            files.append(("LibreOffice-written", converted))
    print(f"date: {time.strftime('%Y-%m-%d %H:%M %Z')}; machine: {platform.platform()}, ")
    print(f"{os.cpu_count()} CPUs, Python {platform.python_version()}; load before: {_load()}")
    print()
    print("| file | reader | median s | runs (s) | peak RSS MB | added MB | rows | digest |")
    print("|---|---|---:|---|---:|---:|---:|---|")
    for label, path in files:
        size = path.stat().st_size / 1e6
        runs: dict[str, list[dict[str, object]]] = {r: [] for r in (*READERS, "limits")}
        for _ in range(args.repeat):  # interleaved, so load changes hit every reader alike
            for reader in runs:
                runs[reader].append(_measure(reader, path, args.baseline_ref))
        for reader, results in runs.items():
            times = [float(r["seconds"]) for r in results]  # type: ignore[arg-type]
            peak = statistics.median(float(r["peak_mb"]) for r in results)  # type: ignore[arg-type]
            added = statistics.median(float(r["added_mb"]) for r in results)  # type: ignore[arg-type]
            name = "limits.check (before any)" if reader == "limits" else reader
            print(
                f"| {label} ({size:.1f} MB) | {name} | {statistics.median(times):.2f} | "
                f"{', '.join(f'{t:.2f}' for t in times)} | {peak:.0f} | {added:.0f} | "
                f"{results[0].get('rows', '')} | {results[0].get('digest', '')} |"
            )
    print()
    print(f"load after: {_load()}")


if __name__ == "__main__":
    main()
