"""First-run setup for `make run`: load the demo plan into an empty register and make an admin."""

import os
import secrets
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from plans.demo.sources import bind_demo_sources
from plans.importer import import_plan, summarise
from plans.parser import read_plan_file
from register.models import Risk
from register.roles import ADMINISTRATOR

DEMO_PLAN = Path(__file__).resolve().parents[2] / "demo" / "plan.md"


class Command(BaseCommand):
    help = "Load the demo plan into an empty register and create the first administrator."

    def add_arguments(self, parser):
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo plan.")

    def handle(self, no_demo=False, **options):
        if not no_demo and not Risk.objects.exists():
            report = import_plan(read_plan_file(DEMO_PLAN), source_name="demo plan")
            self.stdout.write(summarise(report))
            for line in bind_demo_sources():
                self.stdout.write(f"  live: {line}")
        self.ensure_admin()

    @transaction.atomic
    def ensure_admin(self) -> None:
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("An administrator exists already; log in with its password.")
            return
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME") or "admin"
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        user = User.objects.create_superuser(username=username, email="", password=password)
        group = Group.objects.filter(name=ADMINISTRATOR).first()
        if group:
            user.groups.add(group)
        if generated:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created administrator {username!r} with password {password!r} — shown only this once."
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created administrator {username!r} with the password from DJANGO_SUPERUSER_PASSWORD."
                )
            )
