"""schemathesis over the whole /api/v1/openapi.json, in-process, inside each test's own transaction.

One test per API operation (schemathesis' pytest integration), with the town staff's API token over a
world that holds a record of every kind (`api_world.populate`): the examples, coverage (boundary and
invalid values: huge integers, far dates, control characters, wrong types) and fuzzing phases, with a
fixed seed and bounded fuzzing examples; then every read operation with a grid worker's, a cluster
leader's and a department liaison's tokens (examples and a few fuzzed cases). Checks: no server error,
and every answer's status code, content type, headers and body as the document says. Two checks are left out on purpose:
``positive_data_acceptance`` (a schema-valid id that names no record is refused with 404/422 by the
business rules, as it must be) and ``negative_data_rejection`` (pydantic's lax mode reads ``0`` as a
date and ``false`` as an integer, which refuses nothing that could hurt).

The database is the test database (pytest-django), each operation's cases run inside the test's
transaction, rolled back at its end: whatever schemathesis POSTs is never kept. Django would close
the connection after each request (``close_old_connections``), which would end that transaction, so
the fixture below unhooks it for these tests only.
"""

import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from gridgov.accounts.actions import issue_api_token
from gridgov.core.tests.api_world import populate

SEED = 20261212
# Fuzzing examples per operation. The CI's PostgreSQL stage asks for fewer (GRIDGOV_SCHEMATHESIS_FUZZ): the
# examples and coverage phases (boundary values: huge integers, far dates, NUL and control characters, which
# the engines refuse differently) still run in full there; the SQLite stage fuzzes with the full count.
FUZZ_EXAMPLES = int(os.environ.get("GRIDGOV_SCHEMATHESIS_FUZZ", "8"))
CASES: list[int] = []  # calls made, for the figure printed at the end of the run

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler(), config=SchemathesisConfig(seed=SEED))
# The other roles, smaller: every read operation, schema examples and a few fuzzed cases, no coverage phase.
ROLES = ["grid_worker_a", "cluster_leader_a1", "department_liaison"]
ROLE_EXAMPLES = 3
reads = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json",
    WSGIHandler(),
    config=SchemathesisConfig.from_dict({"seed": SEED, "phases": {"coverage": {"enabled": False}}}),
).include(method="GET")


@pytest.fixture(autouse=True)
def requests_in_the_test_transaction():
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def town_token(world):
    populate(world)
    return issue_api_token(world.town_staff, "schemathesis")


@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented_with_a_town_token(case, town_token):
    CASES.append(1)
    case.call_and_validate(
        headers={"Authorization": f"Bearer {town_token}"},
        excluded_checks=[positive_data_acceptance, negative_data_rejection],
    )


@pytest.fixture(params=ROLES)
def role_token(request, world):
    populate(world)
    return issue_api_token(getattr(world, request.param), "schemathesis")


@reads.parametrize()
@settings(
    max_examples=ROLE_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_read_answers_as_documented_with_other_roles_tokens(case, role_token):
    CASES.append(1)
    case.call_and_validate(
        headers={"Authorization": f"Bearer {role_token}"},
        excluded_checks=[positive_data_acceptance, negative_data_rejection],
    )


def test_the_run_made_cases():
    """Printed figure of the run above (pytest -s); also fails if the parametrised run made no call at all."""
    if not CASES:
        pytest.skip("the schemathesis run was not selected")
    print(f"schemathesis: {len(CASES)} cases, seed {SEED}, {FUZZ_EXAMPLES} fuzzing examples per operation (town),")
    print(f"  {ROLE_EXAMPLES} per read operation for each of {', '.join(ROLES)}")
