import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from plans.document import PlanError
from plans.files import read_plan_file
from plans.importer import import_plan, summarise
from register.models import Programme


class Command(BaseCommand):
    help = (
        "Import a risk management plan into the register: Markdown (Japanese or English), an .xlsx "
        "workbook, a .csv file or a .zip of CSV files, chosen by the file's extension."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The plan file (.md, .xlsx, .csv or .zip; other names are read as Markdown).")
        parser.add_argument(
            "--programme",
            metavar="CODE",
            help="The programme to import into (created, named after the plan's title, when new). Needed once"
            " the register has several.",
        )
        parser.add_argument(
            "--parent", metavar="CODE", help="With a new --programme: the programme it goes under (a portfolio)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; write nothing.")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, path, dry_run=False, json=False, programme=None, parent=None, **options):
        try:
            plan = read_plan_file(path)
            with transaction.atomic():
                target = _programme(programme, parent, plan.title or Path(path).stem) if programme else None
                report = import_plan(plan, programme=target, dry_run=dry_run, source_name=str(path))
                if dry_run:
                    transaction.set_rollback(True)
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise CommandError(f"{path}: no such file") from exc
        except PlanError as exc:
            raise CommandError(f"{path}: the plan was not imported, nothing changed.\n{exc}") from exc
        if json:
            self.stdout.write(_dumps(report.as_dict()))
        else:
            self.stdout.write(summarise(report))


def _programme(code: str, parent_code: str | None, name: str) -> Programme:
    """The programme named by ``code``; a new one is made under ``parent_code``, named ``name``."""
    programme = Programme.objects.filter(code=code).first()
    if programme is not None:
        if parent_code and (programme.parent is None or programme.parent.code != parent_code):
            raise CommandError(f"programme {code} exists already, not under {parent_code}")
        return programme
    parent = None
    if parent_code:
        parent = Programme.objects.filter(code=parent_code).first()
        if parent is None:
            raise CommandError(f"no programme {parent_code} to put {code} under")
    programme = Programme(code=code, name=name[:200], parent=parent)
    try:
        programme.full_clean()
    except ValidationError as exc:
        raise CommandError(f"programme {code}: {'; '.join(exc.messages)}") from exc
    programme.save()
    return programme


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
