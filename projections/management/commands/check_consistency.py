import json

from django.core.management.base import BaseCommand, CommandError

from projections import consistency


class Command(BaseCommand):
    help = "Compare the graph and the vector store with the database (keys and contents); optionally repair."

    def add_arguments(self, parser):
        parser.add_argument(
            "--repair", action="store_true", help="Re-project missing and stale entries, drop extra ones."
        )
        parser.add_argument("--json", action="store_true", help="Print the whole report as JSON.")

    def handle(self, repair=False, **options):
        report = consistency.check(repair=repair)
        if options["json"]:
            self.stdout.write(_dumps(report.as_dict()))
        else:
            for diff in report.diffs:
                counts = f"{len(diff.missing)} missing, {len(diff.extra)} extra, {len(diff.stale)} stale"
                state = diff.error or f"{diff.expected} expected, {counts}"
                self.stdout.write(f"{diff.store:6} {diff.kind:12} {state}")
            summary = report.summary()
            self.stdout.write(
                f"consistency {summary['consistency_ratio']} %, {summary['sync_errors']} sync errors"
                + (f"; after repair: {summary['after_repair']['sync_errors']} errors" if report.repaired else "")
            )
        unavailable = report.summary()["unavailable"]
        if unavailable:
            raise CommandError(f"could not read: {', '.join(unavailable)}")


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
