from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reviews import reports
from reviews.models import Review


class Command(BaseCommand):
    help = "Render a review's report to a file (HTML or PDF), from the register as it is now."

    def add_arguments(self, parser):
        parser.add_argument("review_id", type=int)
        parser.add_argument("--format", choices=["html", "pdf"], default="html")
        parser.add_argument("--out", required=True, help="File to write ('-' for standard output, HTML only).")
        parser.add_argument("--language", choices=["ja", "en"], help="Default: the register's LANGUAGE_CODE.")

    def handle(self, review_id, format, out, language=None, **options):
        review = Review.objects.filter(pk=review_id).first()
        if review is None:
            raise CommandError(f"no review with id {review_id}")
        html = reports.render_html(review, language)
        if out == "-":
            if format == "pdf":
                raise CommandError("a PDF needs --out FILE")
            self.stdout.write(html)
            return
        try:
            data = reports.render_pdf(html) if format == "pdf" else html.encode()
        except reports.ReportError as exc:
            raise CommandError(str(exc)) from exc
        Path(out).write_bytes(data)
        self.stderr.write(f"{review}: {format.upper()} report written to {out} ({len(data):,} bytes)")
