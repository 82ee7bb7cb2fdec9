from pathlib import Path

from django.core.management.base import BaseCommand

from projections import backup


class Command(BaseCommand):
    help = "Back up the register (the relational database only; projections are rebuilt) with a checksummed manifest."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, directory, **options):
        manifest = backup.backup(directory)
        total = sum(manifest["counts"].values())
        self.stdout.write(f"backed up {total:,} rows of {len(manifest['counts'])} models to {directory}")
