import json

from django.core.management.base import BaseCommand, CommandError

from plans.document import PlanError
from plans.files import read_plan_file
from plans.importer import import_plan, summarise


class Command(BaseCommand):
    help = (
        "Import a risk management plan into the register: Markdown (Japanese or English), an .xlsx "
        "workbook, a .csv file or a .zip of CSV files, chosen by the file's extension."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The plan file (.md, .xlsx, .csv or .zip; other names are read as Markdown).")
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; write nothing.")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, path, dry_run=False, json=False, **options):
        try:
            plan = read_plan_file(path)
            report = import_plan(plan, dry_run=dry_run, source_name=str(path))
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise CommandError(f"{path}: no such file") from exc
        except PlanError as exc:
            raise CommandError(f"{path}: the plan was not imported, nothing changed.\n{exc}") from exc
        if json:
            self.stdout.write(_dumps(report.as_dict()))
        else:
            self.stdout.write(summarise(report))


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
