from django.core.management.base import BaseCommand, CommandError

from audit import seal


class Command(BaseCommand):
    help = (
        "Seal what is unsealed, then check the audit trail's hash chain: exit 1 on a changed, removed or missing entry."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-seal", action="store_true", help="check only; do not seal new entries first")

    def handle(self, *args, no_seal=False, **options):
        if not no_seal:
            sealed = seal.seal()
            self.stdout.write(f"sealed {sealed} new entries")
        report = seal.verify()
        for problem in report.problems:
            self.stderr.write(problem)
        if not report.ok:
            raise CommandError(
                f"the audit trail does not verify: {len(report.problems)} problems in {report.checked} entries"
            )
        self.stdout.write(self.style.SUCCESS(f"the audit trail verifies: {report.checked} entries chained"))
