"""Schemathesis against our own OpenAPI schema: every operation, as an administrator and as a viewer,
and no server error, no undocumented status code or content type, no response that contradicts the
schema, and no schema-violating request accepted.

The API runs for real (a live server over the test database, with the seed plan, the real graph
and search stores, and a real Redis as the broker), and schemathesis runs as its own process, as an
integration would call us. Its examples, coverage, fuzzing and stateful phases all run; the seed is
fixed so `make test` is repeatable — run ``FUZZ_SEED=random FUZZ_EXAMPLES=100`` to explore further
(a new finding prints the curl line that reproduces it).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.servers import basehttp
from rest_framework_simplejwt.tokens import RefreshToken

from core import version
from plans.files import read_plan_file
from plans.importer import import_plan
from register import roles
from tests.conftest import SEED_EN, SEED_JA, make_user
from tests.integration.services import use_broker

# Transactional (the live server reads what the test committed); serialized_rollback puts back what
# migrations created (role groups, starter components) for the tests that run after this one.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
    ]
)
# Examples per operation and phase: about a minute a role on two cores.
EXAMPLES = {roles.ADMINISTRATOR: 10, roles.VIEWER: 4, "member": 4}
MAX_SECONDS = 600  # a guard: a run takes about a minute


@pytest.fixture
def api_under_test(live_server, graph_server, vector_server, redis_url, monkeypatch, settings):
    # Django's test server writes headers and body in separate sends; with Nagle's algorithm on, each
    # answer then waits ~40 ms for the client's delayed ACK (measured: 50 ms a request, 10 ms without).
    monkeypatch.setattr(basehttp.WSGIRequestHandler, "disable_nagle_algorithm", True)
    use_broker(redis_url)  # writes queue real tasks (nobody runs them here) instead of waiting on a broker
    # The API's representation cache on, as it runs in production: the live server commits its
    # writes, so they move the register's version (core/version.py).
    settings.API_CACHE_URL = redis_url
    roles.sync_roles()  # an earlier transactional test may have flushed the groups migrate made
    import_plan(read_plan_file(SEED_EN), source_name="seed")
    call_command("rebuild_projections", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return live_server.url


# The administrator's run writes, so it runs on both databases (PostgreSQL found what SQLite did not);
# the viewer's reads and refusals run once, in the SQLite pass (`make test`'s time budget).
# "member": the administrator of one programme beside another programme's register (its rows are
# 404s to them), in the SQLite pass too.
@pytest.mark.parametrize(
    "role",
    [
        roles.ADMINISTRATOR,
        pytest.param(roles.VIEWER, marks=pytest.mark.once),
        pytest.param("member", marks=pytest.mark.once),
    ],
)
def test_schemathesis_finds_nothing(api_under_test, role, tmp_path):
    if role == "member":
        from register.models import Membership, Programme

        mine = Programme.objects.get()
        other = Programme.objects.create(code="PAY", name="Payments")
        import_plan(read_plan_file(SEED_JA), programme=other, source_name="pay")
        call_command("rebuild_projections", stdout=open(os.devnull, "w"))  # noqa: SIM115
        user = make_user("fuzz-member")
        Membership.objects.create(programme=mine, user=user, role=roles.ADMINISTRATOR)
    else:
        user = make_user(f"fuzz-{role.replace(' ', '-')}", role)
    token = str(RefreshToken.for_user(user).access_token)
    seed = os.environ.get("FUZZ_SEED", "20261203")
    if seed == "random":
        seed = str(random.randrange(2**32))
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{api_under_test}/api/schema/",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        CHECKS,
        "--max-examples",
        os.environ.get("FUZZ_EXAMPLES", str(EXAMPLES[role])),
        "--seed",
        seed,
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--no-color",
        "--request-timeout",
        "30",
    ]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=MAX_SECONDS)
    summary = result.stdout[-1500:]
    print(f"schemathesis as {role} (seed {seed}):\n{summary}")
    assert result.returncode == 0, (
        f"schemathesis as {role}, seed {seed}:\n{result.stdout[-20000:]}\n{result.stderr[-3000:]}"
    )
    assert " passed" in summary or "No issues found" in summary, summary
    # The risk lists and details it read went through the cache (and none of them was a 500 above).
    assert any(version.client().scan_iter("riskregister:api:repr:*")), "no answer was cached"
