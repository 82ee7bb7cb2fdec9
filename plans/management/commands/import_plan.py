import json

from django.core.management.base import BaseCommand, CommandError

from plans.document import PlanError
from plans.importer import import_plan, summarise
from plans.parser import read_plan_file


class Command(BaseCommand):
    help = "Import a risk management plan (Markdown, Japanese or English) into the register."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The plan file (UTF-8 Markdown).")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; write nothing.")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, path, dry_run=False, json=False, **options):
        try:
            plan = read_plan_file(path)
        except FileNotFoundError as exc:
            raise CommandError(f"{path}: no such file") from exc
        except PlanError as exc:
            raise CommandError(f"{path}: the plan was not imported, nothing changed.\n{exc}") from exc
        try:
            report = import_plan(plan, dry_run=dry_run, source_name=str(path))
        except PlanError as exc:
            raise CommandError(f"{path}: the plan was not imported, nothing changed.\n{exc}") from exc
        if json:
            self.stdout.write(_dumps(report.as_dict()))
        else:
            self.stdout.write(summarise(report))


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
