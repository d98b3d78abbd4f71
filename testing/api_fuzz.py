"""Fuzzing the API with schemathesis: every operation, every parameter, values at the edges.

Used by the pytest suite (core/tests/test_api_schema.py: a few examples per operation) and
by the full run (scripts/fuzz_api.py: 200 or more per operation). Both call the API in
process through the WSGI application and count, per operation, the examples sent, the
answers by status and every check that failed.

On top of what schemathesis derives from the OpenAPI document (valid data, and with the
negative mode data that breaks the document), hooks put values that once made the server
fail into the generated requests: ids of 20 digits and below zero, numbers that are not
numbers, dates at both ends of the calendar and dates that do not exist: in one request of
three, one or two query parameters, path parameters or body fields take one of them.
"""

from __future__ import annotations

import datetime as dt
import json
import traceback
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# ---------------------------------------------------------------------------- edge values

HUGE_INTS = [
    0,
    -1,
    2**31,
    2**53,
    2**53 + 1,
    2**63 - 1,
    2**63,
    2**64,
    10**20,
    -(10**20),
    99999999999999999999,
]
EDGE_INTS = st.one_of(
    st.sampled_from(HUGE_INTS), st.integers(min_value=-(10**30), max_value=10**30)
)
EDGE_DATES = [
    "0001-01-01",
    "9999-12-31",
    "1948-12-31",
    "1949-01-01",
    "2100-12-31",
    "2101-01-01",
    "2024-02-30",
    "2023-02-29",
    "2024-13-01",
    "0000-00-00",
    "+10000-01-01",
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59.999999",
    "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00-14:00",
]
EDGE_DATE_TEXT = st.one_of(
    st.sampled_from(EDGE_DATES),
    st.dates().map(dt.date.isoformat),
    st.datetimes().map(dt.datetime.isoformat),
)
ODD_NUMBERS = ["1e999", "-1e999", "NaN", "Infinity", "-0", "１２", "²", "0x10", "1_000", " 7 "]
# Numbers twice: most parameters are ids and amounts.
EDGE_TEXT = st.one_of(
    EDGE_INTS.map(str), EDGE_INTS.map(str), EDGE_DATE_TEXT, st.sampled_from(ODD_NUMBERS)
)
#: What the sweep (`sweep_operation`) sends to every query and path parameter in turn.
SWEEP_VALUES = [str(n) for n in HUGE_INTS] + EDGE_DATES[:10] + ODD_NUMBERS
#: Body fields: the same, as JSON numbers where JSON has them.
EDGE_JSON = st.one_of(EDGE_INTS, EDGE_DATE_TEXT, st.sampled_from(ODD_NUMBERS))


def _with_edges(
    base: Any, names: list[str], values: st.SearchStrategy[Any]
) -> st.SearchStrategy[Any]:
    """`base` (a dict of generated values) as it is two times in three; otherwise with one
    or two of `names` set to `values`."""
    if not names:
        return st.just(base)
    some = st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True).flatmap(
        lambda keys: st.fixed_dictionaries(dict.fromkeys(keys, values))
    )
    generated = dict(base or {})
    return st.one_of(st.just({}), st.just({}), some).map(lambda edges: {**generated, **edges})


def _names(operation: Any, location: str) -> list[str]:
    return [p.name for p in getattr(operation, location, [])]


def install_edge_hooks(schema: Any) -> None:
    """Mix the edge values into every generated query, path and JSON body of `schema`."""

    @schema.hook
    def flatmap_query(context: Any, query: Any) -> Any:
        return _with_edges(query, _names(context.operation, "query"), EDGE_TEXT)

    @schema.hook
    def flatmap_path_parameters(context: Any, path_parameters: Any) -> Any:
        names = _names(context.operation, "path_parameters")
        return _with_edges(path_parameters, names, EDGE_INTS.map(str))

    @schema.hook
    def flatmap_body(context: Any, body: Any) -> Any:
        if not isinstance(body, dict) or not body:
            return st.just(body)
        return _with_edges(body, list(body), EDGE_JSON)


# ---------------------------------------------------------------------------- the schema


def load_schema(app: Any) -> Any:
    """The API's OpenAPI document, called through `app` (a WSGI application). The document
    is taken from the API object: openapi.json itself needs a login outside DEBUG."""
    from config.api import api

    loaded = schemathesis.openapi.from_dict(json.loads(json.dumps(api.get_openapi_schema())))
    loaded.app = app
    install_edge_hooks(loaded)
    return loaded


def operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


def operation_id(operation: Any) -> str:
    return f"{operation.method.upper()} {operation.path}"


# ---------------------------------------------------------------------------- one run

POSITIVE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Data that breaks the document only has to be refused cleanly, in a documented way.
NEGATIVE_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]


@dataclass
class Failure:
    operation: str
    mode: str
    status: int | None
    request: str
    problem: str


@dataclass
class OperationResult:
    operation: str
    examples: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)

    def merge(self, other: OperationResult) -> OperationResult:
        self.examples += other.examples
        self.statuses.update(other.statuses)
        self.failures.extend(other.failures)
        return self

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


def _describe(case: Any) -> str:
    parts = [f"{case.method.upper()} {case.formatted_path}"]
    if case.query:
        parts.append(f"query={case.query!r}")
    if case.body is not None and type(case.body).__name__ != "NotSet":
        parts.append(f"body={json.dumps(case.body, ensure_ascii=False, default=str)[:300]}")
    return " ".join(parts)


def _send(case: Any, mode: str, result: OperationResult, headers: dict[str, str]) -> None:
    """Call the API with `case`, count the answer and record every failed check."""
    result.examples += 1
    try:
        response = case.call(headers=headers)
    except Exception as exc:  # a request that cannot be sent at all (e.g. bad header)
        result.failures.append(
            Failure(result.operation, mode, None, _describe(case), repr(exc)[:500])
        )
        return
    result.statuses[response.status_code] += 1
    checks = NEGATIVE_CHECKS if mode == "negative" else POSITIVE_CHECKS
    try:
        case.validate_response(response, checks=checks, headers=headers)
    except (Exception, BaseExceptionGroup) as exc:  # several failed checks: a group
        problem = "".join(traceback.format_exception_only(exc)).strip()
        result.failures.append(
            Failure(result.operation, mode, response.status_code, _describe(case), problem)
        )


def sweep_operation(
    operation: Any, *, headers: dict[str, str], values: list[str] = SWEEP_VALUES
) -> OperationResult:
    """Every query and path parameter of `operation` in turn, set to each of `values`
    (the other path parameters 1, no body): the edge values reach every parameter, not
    only those the random run happens to pick."""
    result = OperationResult(operation_id(operation))
    path_names = _names(operation, "path_parameters")
    for location in ("query", "path_parameters"):
        for name in _names(operation, location):
            for value in values:
                path = dict.fromkeys(path_names, "1")
                query = {}
                if location == "query":
                    query[name] = value
                else:
                    path[name] = value
                case = operation.Case(path_parameters=path or None, query=query or None)
                _send(case, "sweep", result, headers)
    return result


def run_operation(
    operation: Any,
    *,
    headers: dict[str, str],
    examples: int,
    seed: int,
) -> OperationResult:
    """Send up to `examples` generated requests (valid and invalid, with edge values) to
    `operation` and check every answer. Hypothesis stops early when an operation has fewer
    distinct requests than that (e.g. no parameters at all)."""
    result = OperationResult(operation_id(operation))
    modes = {
        "positive": operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        "negative": operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    }
    strategy = st.one_of(*(s.map(lambda case, m=m: (m, case)) for m, s in modes.items()))

    @hypothesis.seed(seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(drawn=strategy)
    def send(drawn: tuple[str, Any]) -> None:
        mode, case = drawn
        _send(case, mode, result, headers)

    send()
    return result
