from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from monitoring.choices import Source
from monitoring.intake import collection
from monitoring.models import Metric


class Command(BaseCommand):
    help = "Run one collection round synchronously (for operators and debugging); no worker needed."

    def add_arguments(self, parser):
        parser.add_argument(
            "--metric",
            action="append",
            default=[],
            metavar="KEY",
            help="Collect only this metric (repeatable). Default: every enabled polled metric.",
        )
        parser.add_argument(
            "--once",
            action="store_true",
            help="Collect now whether or not the metrics are due (the default collects due ones).",
        )

    def handle(self, metric=(), once=False, **options):
        metrics = Metric.objects.filter(enabled=True).exclude(source=Source.PUSH)
        if metric:
            found = {m.key: m for m in Metric.objects.filter(key__in=metric)}
            missing = sorted(set(metric) - set(found))
            if missing:
                raise CommandError(f"unknown metric(s): {', '.join(missing)}")
            pushed = [k for k, m in found.items() if m.source == Source.PUSH]
            if pushed:
                raise CommandError(f"pushed metrics are not collected: {', '.join(pushed)}")
            metrics = list(found.values())
        now = timezone.now()
        if once or metric:
            targets = [(m, None) for m in metrics]
        else:
            due = dict(collection.claim_due(now))
            targets = [(m, due[m.pk]) for m in metrics if m.pk in due]
        for target, slot in targets:
            reading = collection.collect(target, slot)
            if reading is None:
                self.stdout.write(f"{target.key}: already collected for this slot")
                continue
            value = "—" if reading.value is None else f"{reading.value:g}{target.unit}"
            detail = f" ({reading.detail})" if reading.detail else ""
            self.stdout.write(f"{target.key}: {value} {reading.status}{detail}")
        if not targets:
            self.stdout.write("nothing due")
