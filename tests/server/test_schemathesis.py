"""Schemathesis over the hub's published OpenAPI schema, against the real server on loopback,
signed in as a team lead: a bounded number of generated requests per operation, and every
response must be no 5xx, have a documented status and content type, and match its schema."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.server.conftest import Org, Served

EXAMPLES_PER_OPERATION = 30


def test_every_operation_answers_within_its_schema(served: Served, org: Org) -> None:
    _, token = served.enrol("north-lead")
    schema = schemathesis.openapi.from_url(f"{served.base}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(
                base_url=served.base, headers={"Authorization": f"Bearer {token}"}
            )

        check()
