"""`zhaoshang rollup` rebuilds synchronously and draws a progress bar on stderr."""

from __future__ import annotations

import io
from typing import Any

from django.core.management import call_command

from analytics import rollup
from analytics.models import RollupState


def test_rollup_command_rebuilds_with_a_progress_bar(personas: dict[str, Any]) -> None:
    from testing.analytics import two_districts

    ledger = two_districts()
    out, err = io.StringIO(), io.StringIO()
    call_command("rollup", stdout=out, stderr=err)
    steps = rollup.rebuild_steps()
    assert "{}/{}".format(steps, steps) in err.getvalue()
    assert "rollup rebuilt" in out.getvalue()
    assert RollupState.objects.get().facts == len(ledger)


def test_quiet_rollup_command_draws_no_bar(personas: dict[str, Any]) -> None:
    err = io.StringIO()
    call_command("rollup", verbosity=0, stdout=io.StringIO(), stderr=err)
    assert err.getvalue() == ""
    assert RollupState.objects.exists()
