from django.core.management.base import BaseCommand, CommandError

from reviews.actions import open_review


class Command(BaseCommand):
    help = "Open the weekly or monthly review of a period (idempotent: an open review is left alone)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["weekly", "monthly"])
        parser.add_argument(
            "--period", help="2026-W48 (weekly) or 2026-11 (monthly); default: this week, or the month just ended."
        )

    def handle(self, kind, period=None, **options):
        try:
            review, created = open_review(kind, period)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        verb = "opened" if created else "already open"
        self.stdout.write(
            f"{review}: {verb} ({review.items.count()} items, "
            f"{review.reassessments.count()} risks to re-assess), due {review.due_date}"
        )
