from django.core.management.base import BaseCommand, CommandError

from reviews.actions import open_review


class Command(BaseCommand):
    help = "Open the weekly or monthly review of a period (idempotent: an open review is left alone)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["weekly", "monthly"])
        parser.add_argument(
            "--period", help="2026-W48 (weekly) or 2026-11 (monthly); default: this week, or the month just ended."
        )
        parser.add_argument(
            "--programme", metavar="CODE", help="The programme reviewed (needed once the register has several)."
        )

    def handle(self, kind, period=None, programme=None, **options):
        from register.models import Programme

        found = None
        if programme:
            found = Programme.objects.filter(code=programme).first()
            if found is None:
                raise CommandError(f"no programme {programme!r}")
        try:
            review, created = open_review(kind, period, programme=found)
        except Programme.Ambiguous:
            raise CommandError("the register has several programmes: name one with --programme CODE") from None
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        verb = "opened" if created else "already open"
        self.stdout.write(
            f"{review}: {verb} ({review.items.count()} items, "
            f"{review.reassessments.count()} risks to re-assess), due {review.due_date}"
        )
