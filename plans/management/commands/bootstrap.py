"""First-run setup for `make run`: load the demo (two programmes, plans/demo/organisation.py) into an
empty register, make an administrator,
and (with --wait) say once, when the whole stack answers, where everything is."""

from __future__ import annotations

import os
import secrets
import time
import urllib.request

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from plans.demo.organisation import load_demo
from plans.demo.sources import add_demo_chain, bind_demo_sources
from plans.importer import summarise
from register.models import Risk
from register.roles import ADMINISTRATOR

# How long --wait waits for each part of the stack before it says which one is missing.
BROKER_WAIT_SECONDS = 60
STACK_WAIT_SECONDS = 180


class Command(BaseCommand):
    help = "Load the demo plan into an empty register and create the first administrator."

    def add_arguments(self, parser):
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo plan.")
        parser.add_argument(
            "--wait",
            action="store_true",
            help="Wait for the broker first, and print one summary once web, graph and search answer (make run).",
        )

    def handle(self, no_demo=False, wait=False, **options):
        if wait:
            # The import queues a projection drain after commit: with the broker not up yet, kombu
            # would print a traceback per retry.
            self.wait_for("the broker", _broker_answers, BROKER_WAIT_SECONDS)
        if not no_demo and not Risk.objects.exists():
            for code, report in load_demo():
                self.stdout.write(f"{code}: {summarise(report)}")
            for line in [*bind_demo_sources(), *add_demo_chain()]:
                self.stdout.write(f"  demo: {line}")
        user, login = self.ensure_admin()
        if wait:
            for name, check in _STACK.items():
                self.wait_for(name, check, STACK_WAIT_SECONDS)
            self.stdout.write(summary(user, login))
        else:
            self.stdout.write(f"Administrator {user!r}: {login}.")

    def wait_for(self, name: str, check, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not check():
            if time.monotonic() > deadline:
                raise CommandError(f"{name} did not answer within {seconds:.0f} s; see its lines above")
            time.sleep(0.5)

    @transaction.atomic
    def ensure_admin(self) -> tuple[str, str]:
        """The first administrator's name, and how to log in as it (a generated password is shown once)."""
        User = get_user_model()
        existing = User.objects.filter(is_superuser=True).order_by("pk").first()
        if existing is not None:
            return existing.get_username(), "exists already; log in with its password"
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME") or "admin"
        given = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        password = given or secrets.token_urlsafe(12)
        user = User.objects.create_superuser(username=username, email="", password=password)
        group = Group.objects.filter(name=ADMINISTRATOR).first()
        if group:
            user.groups.add(group)
        if given:
            return username, "created with the password from DJANGO_SUPERUSER_PASSWORD"
        return username, f"created with password {password!r} — shown only this once"


def _broker_answers() -> bool:
    import redis

    from monitoring.intake.sources.service import redis_client_url

    try:
        client = redis.Redis.from_url(redis_client_url(settings.CELERY_BROKER_URL), socket_timeout=1)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (redis.RedisError, OSError, ValueError):
        return False


def _web_answers() -> bool:
    try:
        with urllib.request.urlopen(f"{settings.SITE_URL.rstrip('/')}/health/", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _store_answers(service: str):
    def check() -> bool:
        from monitoring.intake.sources.service import probe

        return probe(service, timeout=1)[0]

    return check


_STACK = {
    "the web server": _web_answers,
    "the graph server": _store_answers("graph"),
    "Chroma": _store_answers("vector"),
}


def summary(user: str, login: str) -> str:
    site = settings.SITE_URL.rstrip("/")
    var = settings.VAR_DIR
    rows = [
        ("register", f"{site}/admin/"),
        ("log in", f"{user}: {login}"),
        ("API", f"{site}/api/v1/   docs {site}/api/docs/"),
        ("web", f"{site} (gunicorn)"),
        ("broker", f"Redis on {settings.CELERY_BROKER_URL}"),
        ("graph", f"Bolt {settings.NEO4J_URI}"),
        ("search", f"Chroma {settings.CHROMA_URL}"),
        ("workers", "Celery: worker (readings), outbound (deliveries, projections, reports), beat"),
        ("data", f"{var} (database, queue, graph, vectors, secrets)"),
        ("logs", f"this terminal; {var / 'log'}; mail under {settings.EMAIL_FILE_PATH}"),
        ("processes", f".venv/bin/supervisorctl -c {var / 'supervisord.conf'} status"),
    ]
    width = max(len(label) for label, _ in rows)
    lines = ["", "=" * 72, "riskregister is up.", *(f"  {label:<{width}}  {value}" for label, value in rows), "=" * 72]
    return "\n".join(lines)
