import json

from django.conf import settings
from django.core.management.base import BaseCommand

from plans.exporter import export_json, export_markdown


class Command(BaseCommand):
    help = "Export the register as a plan (Markdown, re-importable with import_plan) or as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["md", "json"], default="md")
        parser.add_argument(
            "--language",
            choices=["ja", "en"],
            default=None,
            help="Labels for the Markdown export (default: LANGUAGE_CODE).",
        )
        parser.add_argument("--title", default="", help="The plan's title (Markdown export).")
        parser.add_argument("--output", "-o", default="-", help="File to write; '-' (default) is stdout.")

    def handle(self, format="md", language=None, title="", output="-", **options):
        if format == "json":
            text = json.dumps(export_json(), ensure_ascii=False, indent=2) + "\n"
        else:
            text = export_markdown(language or settings.LANGUAGE_CODE, title)
        if output == "-":
            self.stdout.write(text, ending="")
        else:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
