from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from projections import backup, consistency


class Command(BaseCommand):
    help = (
        "Restore a backup: verify its checksums first (nothing changes if they fail), replace the "
        "database's contents, rebuild the graph and search projections and check them."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--no-projections", action="store_true", help="Skip the rebuild (stores down).")

    def handle(self, directory, no_projections=False, **options):
        try:
            manifest = backup.restore(directory)
        except backup.BackupError as exc:
            raise CommandError(f"not restored: {exc}") from exc
        self.stdout.write(f"restored {sum(manifest['counts'].values()):,} rows from {manifest['created_at']}")
        if no_projections:
            return
        call_command("rebuild_projections", stdout=self.stdout)
        report = consistency.check()
        self.stdout.write(
            f"projections: {'consistent' if report.consistent else 'NOT consistent'} ({report.sync_errors} sync errors)"
        )
        if not report.consistent:
            raise CommandError("projections are not consistent after the rebuild; see check_consistency --json")
