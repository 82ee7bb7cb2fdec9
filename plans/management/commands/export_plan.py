import json
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from plans.exporter import export_json, export_markdown
from plans.sheet_export import tables_from_register
from plans.spreadsheets import write_csv_zip, write_xlsx
from register.models import Programme

BINARY = {"xlsx": write_xlsx, "csv": write_csv_zip}


class Command(BaseCommand):
    help = (
        "Export the register as a plan: Markdown or an .xlsx workbook (both re-importable with "
        "import_plan), CSV files in a .zip (one per sheet), or JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["md", "xlsx", "csv", "json"], default="md")
        parser.add_argument(
            "--language",
            choices=["ja", "en"],
            default=None,
            help="Labels, sheet names and headers (default: LANGUAGE_CODE).",
        )
        parser.add_argument("--title", default="", help="The plan's title (Markdown export).")
        parser.add_argument(
            "--programme",
            metavar="CODE",
            help="The programme whose register to export (needed once there are several).",
        )
        parser.add_argument(
            "--out", "--output", "-o", dest="out", default="-", help="File to write; '-' (default) is stdout."
        )

    def handle(self, format="md", language=None, title="", out="-", programme=None, **options):
        language = language or settings.LANGUAGE_CODE[:2]
        if language not in {"ja", "en"}:
            language = "en"
        if programme:
            chosen = Programme.objects.filter(code=programme).first()
            if chosen is None:
                raise CommandError(f"no programme {programme}")
        else:
            try:
                chosen = Programme.objects.default()
            except Programme.Ambiguous as exc:
                codes = ", ".join(Programme.objects.values_list("code", flat=True))
                raise CommandError(f"the register has several programmes: name one with --programme ({codes})") from exc
        if format in BINARY:
            data = BINARY[format](tables_from_register(language, chosen))
            if out == "-":
                if sys.stdout.isatty():
                    raise CommandError(f"a {format} export is binary: give a file with --out")
                sys.stdout.buffer.write(data)
                sys.stdout.flush()
                return
            with open(out, "wb") as handle:
                handle.write(data)
            return
        if format == "json":
            text = json.dumps(export_json(chosen), ensure_ascii=False, indent=2) + "\n"
        else:
            text = export_markdown(language, title, chosen)
        if out == "-":
            self.stdout.write(text, ending="")
        else:
            with open(out, "w", encoding="utf-8") as handle:
                handle.write(text)
