"""An organisation of 200 programmes × 100 risks (20,000 risks) and 5,000 metrics, with open alerts,
incidents and reviews in every programme: the pages a member of 10 programmes
opens first — the admin index with its portfolio panel, the risk list of one programme, the heat map
— and the API's list of one programme, with the visibility rule (register.visibility) applied to
each. Prints p50/p95 per page and the queries per request, for 10 and for 2 memberships (the counts
must not grow with them).

Usage: ``make bench`` (PostgreSQL when one answers), or
``python bench/bench_programmes.py --database-url postgres://…``. In-process through Django's full
stack (middleware, session auth, templates, serializers): the figures exclude only the HTTP server.
"""

from __future__ import annotations

import time
from datetime import timedelta

from common import analyze, database_arg, generated_risk, measure, setup, throwaway_database

PORTFOLIOS, PER_PORTFOLIO, RISKS_EACH, METRICS_EACH = 10, 20, 100, 25
REQUESTS = 100


def populate():
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from incidents.models import Incident
    from monitoring.models import Alert, Metric
    from register import roles
    from register.models import Category, Membership, Programme, Risk
    from reviews.models import Review

    org = Programme.objects.create(code="ORG", name="Organisation")
    leaves = []
    for p in range(PORTFOLIOS):
        portfolio = Programme.objects.create(code=f"PF{p}", name=f"Portfolio {p}", parent=org)
        leaves += Programme.objects.bulk_create(
            Programme(code=f"P{p}-{i}", name=f"Programme {p}.{i}", parent=portfolio) for i in range(PER_PORTFOLIO)
        )
    categories = Category.objects.bulk_create(Category(programme=p, name="Generated") for p in leaves)
    owner = get_user_model().objects.create_user("owner")
    risks = [
        generated_risk(n, category, owner, programme)
        for programme, category in zip(leaves, categories, strict=True)
        for n in range(1, RISKS_EACH + 1)
    ]
    Risk.objects.bulk_create(risks, batch_size=2000)
    # 5,000 metrics, an open alert on one of each programme's, an open incident and an overdue review.
    metrics = Metric.objects.bulk_create(
        (
            Metric(programme=p, key=f"{p.code}-m{m}", name=f"metric {m}", warning=200, critical=500)
            for p in leaves
            for m in range(METRICS_EACH)
        ),
        batch_size=2000,
    )
    now = timezone.now()
    Alert.objects.bulk_create(
        Alert(metric=m, dedup_key=f"bench:{m.pk}", state="firing", title=m.key, started_at=now, fired_at=now)
        for m in metrics[::METRICS_EACH]
    )
    Incident.objects.bulk_create(Incident(programme=p, title=f"{p.code} incident") for p in leaves)
    last_week = timezone.localdate() - timedelta(days=7)
    Review.objects.bulk_create(
        Review(
            programme=p,
            kind="weekly",
            period="2020-W01",
            period_start=last_week,
            period_end=last_week,
            due_date=last_week,
        )
        for p in leaves
    )
    user = get_user_model().objects.create_user("member", is_staff=True)
    # Ten programmes spread over the portfolios, as a person working across teams holds them.
    mine = leaves[:: len(leaves) // 10][:10]
    Membership.objects.bulk_create(Membership(programme=p, user=user, role=roles.RISK_OWNER) for p in mine)
    analyze()
    return user, mine, leaves


def main() -> None:
    setup(database_arg())
    from django.test import Client

    from register.models import Membership

    with throwaway_database() as connection:
        started = time.perf_counter()
        user, mine, leaves = populate()
        total = len(leaves) * RISKS_EACH
        print(
            f"{connection.vendor}: {len(leaves) + PORTFOLIOS + 1} programmes, {total:,} risks, "
            f"{len(leaves) * METRICS_EACH:,} metrics generated in "
            f"{time.perf_counter() - started:.1f}s; a member of {len(mine)} programmes"
        )
        client = Client()
        client.force_login(user)

        def pages(programmes) -> dict[str, list[str]]:
            return {
                "admin index (portfolio panel)": ["/admin/"] * REQUESTS,
                "admin risk list, one programme": [
                    f"/admin/register/risk/?programme__id__exact={programmes[i % len(programmes)].pk}"
                    for i in range(REQUESTS)
                ],
                "admin heat map": ["/admin/heatmap/"] * REQUESTS,
                "API risks, one programme (50)": [
                    f"/api/v1/risks/?programme={programmes[i % len(programmes)].code}&page_size=50"
                    for i in range(REQUESTS)
                ],
            }

        results = {name: measure(client, urls) for name, urls in pages(mine).items()}
        Membership.objects.filter(user=user).exclude(programme__in=mine[:2]).delete()
        fewer = Client()
        fewer.force_login(user)
        # The same pages for a member of two: the same number of queries.
        counts_two = {name: measure(fewer, urls[:10])["queries"] for name, urls in pages(mine[:2]).items()}
        for name, result in results.items():
            two = "the same" if counts_two[name] == result["queries"] else str(counts_two[name])
            print(
                f"  {name:<34} p50 {result['p50']:6.1f} ms   p95 {result['p95']:6.1f} ms   "
                f"queries {result['queries']} (10 memberships; {two} with 2)"
            )


if __name__ == "__main__":
    main()
