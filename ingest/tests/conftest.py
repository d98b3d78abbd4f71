"""Fixtures for the import/export/dedupe tests (the extractor tests need none of them)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(media_in_tmp: Path) -> None:
    """Uploaded import files are stored; keep them out of var/media."""


@pytest.fixture
def soffice(tmp_path: Path) -> Callable[[Path, str], Path]:
    """Convert a file with LibreOffice (headless); skip with the reason when it is absent."""
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        print("SKIP: soffice (libreoffice-calc-nogui) is not installed")
        pytest.skip("soffice (libreoffice-calc-nogui) is not installed")

    def convert(source: Path, fmt: str) -> Path:
        out = tmp_path / f"out-{fmt}"
        out.mkdir(exist_ok=True)
        profile = tmp_path / "lo-profile"
        cmd = [
            binary,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            fmt,
            "--outdir",
            str(out),
            str(source),
        ]
        if source.suffix == ".csv":
            # UTF-8 CSV, comma separated, first line as text (filter options 44,34,76).
            cmd.insert(3, "--infilter=CSV:44,34,76,1")
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)
        target = out / (source.stem + "." + fmt.split(":")[0])
        assert target.exists(), f"LibreOffice did not write {target}"
        return target

    return convert
