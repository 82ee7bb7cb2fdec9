"""The demo `make run` loads: an organisation of two programmes — the register watching itself
(Phase 2, the demo plan) and a payments team's checkout (a second, small plan) — joined by one risk
link across them, so a newcomer's first page is the portfolio. The role groups are members of the
organisation, so their roles hold in both programmes."""

from __future__ import annotations

from pathlib import Path

from plans.files import read_plan_file
from plans.importer import ImportReport, import_plan

HERE = Path(__file__).resolve().parent
ORGANISATION = ("ORG", "Example organisation")
PROGRAMMES = [
    ("P2", "Phase 2 — the register watching itself", HERE / "plan.md"),
    ("PAY", "Payments checkout", HERE / "payments.md"),
]
# (cause, effect, why): Phase 2's backing stores failing slow the checkout's fraud-rule lookups.
CROSS_LINK = (("P2", "R-2"), ("PAY", "R-1"), "checkout asks the register's API for its fraud rules")


def load_demo() -> list[tuple[str, ImportReport]]:
    from register.models import Programme, Risk, RiskLink
    from register.models.programmes import create_default

    organisation = create_default(*ORGANISATION)
    reports = []
    for code, name, plan in PROGRAMMES:
        programme, _ = Programme.objects.get_or_create(code=code, defaults={"name": name, "parent": organisation})
        reports.append((code, import_plan(read_plan_file(plan), programme=programme, source_name=plan.name)))
    (cause_programme, cause), (effect_programme, effect), note = CROSS_LINK
    RiskLink.objects.get_or_create(
        cause=Risk.objects.get(programme__code=cause_programme, code=cause),
        effect=Risk.objects.get(programme__code=effect_programme, code=effect),
        defaults={"note": note},
    )
    return reports
