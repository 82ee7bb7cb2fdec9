from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from monitoring.slos import openslo


class Command(BaseCommand):
    help = (
        "Import the SLOs of an OpenSLO v1 file (SLO, SLI, AlertPolicy, AlertCondition, DataSource): "
        "created or updated by metadata.name, all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The OpenSLO YAML file ('-' reads standard input).")
        parser.add_argument(
            "--risk",
            default="",
            metavar="CODE",
            help=f"The risk the SLOs belong to, unless an SLO names one in the {openslo.RISK_ANNOTATION} annotation.",
        )
        parser.add_argument(
            "--programme",
            default="",
            metavar="CODE",
            help="The programme the SLOs belong to (needed once the register has several).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and say what it holds; write nothing."
        )

    def handle(self, file, risk="", dry_run=False, programme="", **options):
        from register.models import Programme

        # None: each SLO's risk says (SLO.clean asks for a programme when nothing does and there are several).
        found = Programme.objects.filter(code=programme).first() if programme else None
        if programme and found is None:
            raise CommandError(f"no programme {programme!r}")
        if file == "-":
            import sys

            text = sys.stdin.read()
        else:
            try:
                text = Path(file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"cannot read {file}: {exc}") from None
        try:
            specs = openslo.read(text, default_risk=risk)
            if dry_run:
                for spec in specs:
                    self.stdout.write(
                        f"{spec.key}: {spec.objective:g} % over {spec.window_days} d, risk {spec.risk or '—'}"
                    )
                return
            counts = openslo.apply(specs, programme=found)
        except openslo.OpenSLOError as exc:
            raise CommandError("the file was not imported:\n- " + "\n- ".join(exc.errors)) from None
        self.stdout.write(self.style.SUCCESS(f"{counts['created']} SLO(s) created, {counts['updated']} updated."))
