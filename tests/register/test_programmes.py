"""Programmes: a tree, roles held in a programme and inherited below it, and one rule of who sees
what — a member of one programme sees nothing of another's register, in the admin or the API."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plans.files import read_plan_file
from plans.importer import import_plan
from register import roles, visibility
from register.models import Membership, Mitigation, Programme, Risk, RiskAcceptance, RiskLink
from register.models.programmes import DEFAULT_CODE
from tests.conftest import SEED_EN, SEED_JA, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(db):
    """Two programmes side by side, each with the seed plan's register, and a member of each."""
    p2 = Programme.objects.create(code="P2", name="Platform phase 2")
    pay = Programme.objects.create(code="PAY", name="Payments")
    import_plan(read_plan_file(SEED_JA), programme=p2, source_name="p2")
    import_plan(read_plan_file(SEED_EN), programme=pay, source_name="pay")
    alice = make_user("alice-p2")
    Membership.objects.create(programme=p2, user=alice, role=roles.RISK_OWNER)
    bob = make_user("bob-pay")
    Membership.objects.create(programme=pay, user=bob, role=roles.VIEWER)
    return p2, pay, alice, bob


def test_the_same_plan_in_two_programmes_gives_two_registers(two):
    p2, pay, *_ = two
    assert Risk.objects.filter(programme=p2).count() == Risk.objects.filter(programme=pay).count() == 7
    assert set(Risk.objects.filter(programme=p2).values_list("code", flat=True)) == {f"R-{n}" for n in range(1, 8)}
    # Re-importing into one programme updates it in place and leaves the other alone.
    before = dict(Risk.objects.filter(programme=pay).values_list("code", "title"))
    report = import_plan(read_plan_file(SEED_JA), programme=p2, source_name="p2 again")
    assert report.counts["risks"]["created"] == 0
    assert Risk.objects.count() == 14
    assert dict(Risk.objects.filter(programme=pay).values_list("code", "title")) == before


def test_a_member_sees_their_programme_and_nothing_of_the_other(two, client, api_as):
    p2, pay, alice, bob = two
    assert set(visibility.visible_programmes(alice)) == {p2}
    theirs = Risk.objects.get(programme=pay, code="R-1")
    client.force_login(alice)
    page = client.get("/admin/register/risk/").content.decode()
    assert theirs.title not in page
    assert Risk.objects.get(programme=p2, code="R-1").title in page
    # Another programme's risk is "not found", as one that does not exist.
    assert client.get(f"/admin/register/risk/{theirs.pk}/change/").status_code == 302
    for url in ("/admin/register/mitigation/", "/admin/register/scorechange/", "/admin/register/riskacceptance/"):
        assert theirs.title not in client.get(url).content.decode(), url
    api = api_as(alice)
    listed = api.get("/api/v1/risks/").data
    assert listed["count"] == 7 and {r["programme"] for r in listed["results"]} == {"P2"}
    assert api.get("/api/v1/risks/PAY:R-1/").status_code == 404
    assert api.get("/api/v1/risks/R-1/").data["programme"] == "P2"
    assert [p["code"] for p in api.get("/api/v1/programmes/").data["results"]] == ["P2"]
    assert api.get("/api/v1/programmes/PAY/").status_code == 404
    assert sum(cell["count"] for cell in api.get("/api/v1/heatmap/").data) == 7


def test_the_dashboard_counts_only_what_its_viewer_sees(two, client):
    p2, pay, alice, _ = two
    client.force_login(alice)
    response = client.get("/admin/")
    counts = {row["level"]: row["count"] for row in _cards_context(response)}
    assert sum(counts.values()) == Risk.objects.filter(programme=p2).exclude(status="closed").count()


def _cards_context(response):
    for context in response.context:
        if "level_counts" in context:
            return context["level_counts"]
    raise AssertionError("the index rendered no level counts")


def test_an_organisation_administrator_sees_both(two, api_as, client):
    root = make_user("root", superuser=True)
    assert api_as(root).get("/api/v1/risks/").data["count"] == 14
    assert api_as(root).get("/api/v1/risks/R-1/").status_code == 404  # R-1 names two risks
    assert api_as(root).get("/api/v1/risks/PAY:R-1/").data["programme"] == "PAY"
    assert api_as(root).get("/api/v1/risks/", {"programme": "PAY"}).data["count"] == 7
    client.force_login(root)
    assert (
        client.get(f"/admin/register/risk/{Risk.objects.get(programme__code='PAY', code='R-1').pk}/change/").status_code
        == 200
    )


def test_a_role_holds_in_its_programme_only(two):
    p2, pay, alice, _ = two
    Membership.objects.create(programme=pay, user=alice, role=roles.VIEWER)
    alice = type(alice).objects.get(pk=alice.pk)  # roles are cached per request: a fresh user
    mine_p2 = Risk.objects.get(programme=p2, code="R-1")
    mine_pay = Risk.objects.get(programme=pay, code="R-1")
    Risk.objects.filter(pk__in=[mine_p2.pk, mine_pay.pk]).update(owner=alice)
    mine_p2.refresh_from_db()
    mine_pay.refresh_from_db()
    assert mine_p2.is_editable_by(alice)
    assert not mine_pay.is_editable_by(alice), "a viewer in PAY, though the risk is hers"
    assert set(Risk.objects.editable_by(alice)) == {mine_p2}
    mitigation = Mitigation.objects.filter(risk=mine_pay).first()
    assert mitigation is not None and not mitigation.is_editable_by(alice)


def test_a_link_to_another_programme_says_it_exists_and_nothing_more(two, client):
    p2, pay, alice, _ = two
    ours, theirs = Risk.objects.get(programme=p2, code="R-2"), Risk.objects.get(programme=pay, code="R-5")
    RiskLink.objects.create(cause=ours, effect=theirs)
    client.force_login(alice)
    page = client.get(f"/admin/register/risk/{ours.pk}/change/").content.decode()
    assert "1 linked risk in a programme you cannot see." in page
    assert theirs.title not in page


def test_api_creates_a_risk_in_a_programme_it_may_add_to(two, api_as):
    p2, pay, alice, bob = two
    ada = make_user("ada-p2")
    Membership.objects.create(programme=p2, user=ada, role=roles.ADMINISTRATOR)
    body = {"title": "New dependency", "impact": 2, "likelihood": 2}
    # A risk owner changes risks, an administrator adds them — in their own programme only.
    assert api_as(alice).post("/api/v1/risks/", {**body, "programme": "P2"}, format="json").status_code == 403
    refused = api_as(ada).post("/api/v1/risks/", {**body, "programme": "PAY"}, format="json")
    assert refused.status_code == 400 and "programme" in refused.data
    made = api_as(ada).post("/api/v1/risks/", {**body, "programme": "P2"}, format="json")
    assert made.status_code == 201 and made.data["programme"] == "P2" and made.data["code"] == "R-8"
    # Without naming one where several exist: told to choose.
    root = make_user("root", superuser=True)
    refused = api_as(root).post("/api/v1/risks/", body, format="json")
    assert refused.status_code == 400 and "programme" in refused.data
    # A risk stays in its programme.
    moved = api_as(root).patch("/api/v1/risks/P2:R-8/", {"programme": "PAY"}, format="json")
    assert moved.status_code == 400 and "programme" in moved.data


def test_an_acceptance_names_its_risk_among_those_its_requester_sees(two, api_as):
    p2, pay, alice, _ = two
    Risk.objects.filter(programme=p2, code="R-3").update(owner=alice)
    body = {"risk": "PAY:R-3", "justification": "cheap to carry", "expires_on": "2027-06-30"}
    assert api_as(alice).post("/api/v1/acceptances/", body, format="json").status_code == 400
    made = api_as(alice).post("/api/v1/acceptances/", {**body, "risk": "R-3"}, format="json")
    assert made.status_code == 201, made.data
    assert RiskAcceptance.objects.get().risk.programme == p2


def test_a_new_register_makes_its_first_programme_with_the_roles_as_members(db):
    risk = Risk(title="first", impact=2, likelihood=3)
    risk.full_clean()
    risk.save()
    programme = Programme.objects.get()
    assert (programme.code, risk.programme) == (DEFAULT_CODE, programme)
    assert set(programme.memberships.values_list("role", flat=True)) == set(roles.ROLES)
    Programme.objects.create(code="PAY", name="Payments")
    second = Risk(title="second", impact=2, likelihood=3)
    with pytest.raises(ValidationError, match="Choose the programme"):
        second.full_clean()


def test_a_programme_cannot_sit_under_itself(db):
    top = Programme.objects.create(code="ORG", name="Organisation")
    middle = Programme.objects.create(code="PF", name="Portfolio", parent=top)
    top.parent = middle
    with pytest.raises(ValidationError, match="under itself"):
        top.full_clean()


def test_an_archived_programme_is_read_only(two):
    p2, *_ = two
    p2.status = "archived"
    p2.save()
    risk = Risk.objects.get(programme=p2, code="R-1")
    risk.title = "changed"
    with pytest.raises(ValidationError, match="archived"):
        risk.full_clean()


# --- the inheritance rule, on trees and memberships hypothesis builds ------------------------------

ROLE_NAMES = list(roles.ROLES)


@st.composite
def trees(draw):
    size = draw(st.integers(min_value=1, max_value=9))
    parents = [None] + [draw(st.one_of(st.none(), st.integers(0, i - 1))) for i in range(1, size)]
    mine = draw(st.lists(st.tuples(st.integers(0, size - 1), st.sampled_from(ROLE_NAMES)), max_size=4))
    grouped = draw(st.lists(st.tuples(st.integers(0, size - 1), st.sampled_from(ROLE_NAMES)), max_size=3))
    return parents, mine, grouped


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=trees())
def test_roles_hold_in_the_programme_and_every_one_under_it(db, case):
    parents, mine, grouped = case
    Membership.objects.all().delete()
    Risk.objects.all().delete()
    Programme.objects.update(parent=None)  # a parent is protected while it has programmes under it
    Programme.objects.all().delete()
    nodes = []
    for i, parent in enumerate(parents):
        nodes.append(
            Programme.objects.create(code=f"N{i}", name=f"node {i}", parent=None if parent is None else nodes[parent])
        )
    get_user_model().objects.filter(username="member").delete()
    Group.objects.filter(name="team").delete()
    user = make_user("member")
    team = Group.objects.create(name="team")
    user.groups.add(team)
    for index, role in mine:
        Membership.objects.get_or_create(programme=nodes[index], user=user, role=role)
    for index, role in grouped:
        Membership.objects.get_or_create(programme=nodes[index], group=team, role=role)

    def ancestors(i):
        chain = [i]
        while parents[chain[-1]] is not None:
            chain.append(parents[chain[-1]])
        return chain

    held = {i: {role for index, role in mine + grouped if index in ancestors(i)} for i in range(len(nodes))}
    expected_visible = {nodes[i].pk for i, rs in held.items() if rs}
    assert set(Programme.objects.visible_to(user).values_list("pk", flat=True)) == expected_visible
    fresh = type(user).objects.get(pk=user.pk)
    assert {i: set(visibility.roles_in(fresh, nodes[i].pk)) for i in range(len(nodes))} == held
    owners = {nodes[i].pk for i, rs in held.items() if roles.RISK_OWNER in rs or roles.ADMINISTRATOR in rs}
    assert set(Programme.objects.where(fresh, "register.change_risk").values_list("pk", flat=True)) == owners


def _panel(response, title):
    for context in response.context:
        for panel in context.get("panels") or []:
            if str(panel["title"]) == title:
                return panel
    return None


def test_the_index_shows_the_portfolio_rolled_up_to_the_organisation(two, client):
    p2, pay, alice, _ = two
    org = Programme.objects.create(code="ORG", name="Organisation")
    Programme.objects.filter(pk__in=[p2.pk, pay.pk]).update(parent=org)
    client.force_login(make_user("root", superuser=True))
    panel = _panel(client.get("/admin/"), "Programmes")
    rows = {str(row[0]).split(">")[1].split("<")[0]: row[1:4] for row in panel["rows"]}
    open_risks = Risk.objects.exclude(status="closed")

    def levels(programmes):
        return tuple(
            open_risks.filter(programme__in=programmes, level=level).count() for level in ("high", "medium", "low")
        )

    assert rows["P2"] == levels([p2]) and rows["PAY"] == levels([pay])
    assert rows["ORG"] == levels([p2, pay]) and sum(rows["ORG"]) == 14
    # A member of one programme has no portfolio to see.
    client.force_login(alice)
    assert _panel(client.get("/admin/"), "Programmes") is None


def test_a_member_of_one_programme_adds_a_risk_to_it_without_choosing(two, client):
    p2, pay, *_ = two
    ada = make_user("ada-p2")
    Membership.objects.create(programme=p2, user=ada, role=roles.ADMINISTRATOR)
    client.force_login(ada)
    form = client.get("/admin/register/risk/add/").content.decode()
    assert 'name="programme"' not in form  # one programme to see: nothing to choose
    response = client.post(
        "/admin/register/risk/add/",
        {
            "title": "Card network outage",
            "impact": 3,
            "likelihood": 2,
            "status": "open",
            "treatment": "",
            "not_a_duplicate": "on",
            **{f"{prefix}-TOTAL_FORMS": 0 for prefix in _inline_prefixes(form)},
            **{f"{prefix}-INITIAL_FORMS": 0 for prefix in _inline_prefixes(form)},
        },
    )
    errors = response.context["errors"] if response.status_code == 200 else None
    assert response.status_code == 302, errors
    assert Risk.objects.get(title="Card network outage").programme == p2


def _inline_prefixes(form: str) -> list[str]:
    import re

    return sorted(set(re.findall(r'name="([\w-]+)-TOTAL_FORMS"', form)))


def test_the_import_page_asks_which_programme_once_there_are_several(two, client):
    p2, pay, *_ = two
    client.force_login(make_user("root", superuser=True))
    page = client.get("/admin/plans/import/").content.decode()
    assert 'name="programme"' in page and 'value="PAY"' in page
    seed = SEED_EN.read_bytes()
    refused = client.post("/admin/plans/import/", {"action": "preview", "file": _upload("plan.md", seed)})
    assert refused.status_code == 400 and "Choose the programme" in refused.content.decode()
    previewed = client.post(
        "/admin/plans/import/", {"action": "preview", "programme": "PAY", "file": _upload("plan.md", seed)}
    )
    assert previewed.status_code == 302
    from plans.models import PlanImport

    record = PlanImport.objects.latest("pk")
    assert record.programme == pay and record.report["counts"]["risks"]["created"] == 0  # PAY has them already


def test_the_api_imports_into_the_programme_it_names(two, api_as):
    p2, pay, alice, _ = two
    body = {"file": _upload("plan.md", SEED_EN.read_bytes()), "dry_run": "true"}
    # alice previews into her programme without naming it (it is her only one) ...
    mine = api_as(alice).post("/api/v1/plans/import/", body, format="multipart")
    assert mine.status_code == 200, mine.data
    assert mine.data["programme"] == "P2"
    # ... and cannot name another's: it "does not exist" for her.
    body = {"file": _upload("plan.md", SEED_EN.read_bytes()), "dry_run": "true", "programme": "PAY"}
    theirs = api_as(alice).post("/api/v1/plans/import/", body, format="multipart")
    assert theirs.status_code == 400


def test_the_register_downloads_one_programme_at_a_time(two, client):
    p2, pay, alice, _ = two
    root = make_user("root", superuser=True)
    client.force_login(root)
    choose = client.get("/admin/plans/export/?format=xlsx")
    assert choose.status_code == 200 and "programme=PAY" in choose.content.decode()
    workbook = client.get("/admin/plans/export/?format=xlsx&programme=PAY")
    assert workbook.status_code == 200 and "PAY" in workbook["Content-Disposition"]
    from plans.sheet_export import tables_from_register

    risks = tables_from_register("en", pay)[0][2]
    assert len(risks) == 7 and {row[1] for row in risks} == set(
        Risk.objects.filter(programme=pay).values_list("title", flat=True)
    )
    # A member of P2 gets P2's, and no way to PAY's.
    client.force_login(alice)
    assert "P2" in client.get("/admin/plans/export/?format=xlsx")["Content-Disposition"]
    assert client.get("/admin/plans/export/?format=xlsx&programme=PAY").status_code == 404


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_a_programme_administrator_adds_phases_under_their_own_programme(two, client):
    p2, pay, _, bob = two
    ada = make_user("ada-p2")
    Membership.objects.create(programme=p2, user=ada, role=roles.ADMINISTRATOR)
    client.force_login(ada)
    form = client.get("/admin/register/programme/add/").content.decode()
    assert f'value="{p2.pk}"' in form and f'value="{pay.pk}"' not in form
    base = {"code": "P3", "name": "Phase 3", "status": "active", "memberships-TOTAL_FORMS": 0}
    base["memberships-INITIAL_FORMS"] = 0
    refused = client.post("/admin/register/programme/add/", base)  # no parent: a tree nobody sees
    assert refused.status_code == 200 and not Programme.objects.filter(code="P3").exists()
    made = client.post("/admin/register/programme/add/", {**base, "parent": p2.pk})
    assert made.status_code == 302
    phase = Programme.objects.get(code="P3")
    fresh = type(ada).objects.get(pk=ada.pk)
    assert phase in Programme.objects.visible_to(fresh) and visibility.roles_in(fresh, phase.pk) == {
        roles.ADMINISTRATOR
    }
    assert phase not in Programme.objects.visible_to(bob)


def test_lists_say_whose_code_it_is_when_they_hold_several_programmes(two, client):
    client.force_login(make_user("root", superuser=True))
    page = client.get("/admin/register/risk/").content.decode()
    assert ">PAY R-1<" in page and ">P2 R-1<" in page
    index = client.get("/admin/").content.decode()
    assert ">P2 R-7<" in index or ">PAY R-7<" in index  # the recent score changes
    p2, pay, alice, _ = two
    client.force_login(alice)
    assert ">R-1<" in client.get("/admin/register/risk/").content.decode()  # one programme: plain codes


def test_the_portfolio_counts_each_programmes_open_incidents_and_overdue_reviews(two, client):
    from datetime import timedelta

    from django.utils import timezone

    from incidents.models import Incident
    from reviews.actions import open_review
    from reviews.models import Review

    p2, pay, *_ = two
    Incident.objects.create(programme=pay, title="card network down")
    Incident.objects.create(programme=pay, title="refunds stuck")
    Incident.objects.create(programme=p2, title="graph sync lag")
    review, _ = open_review("weekly", programme=p2)
    Review.objects.filter(pk=review.pk).update(due_date=timezone.localdate() - timedelta(days=3))
    client.force_login(make_user("root", superuser=True))
    panel = _panel(client.get("/admin/"), "Programmes")
    columns = [str(c) for c in panel["columns"]]
    rows = {str(row[0]).split(">")[1].split("<")[0]: dict(zip(columns, row, strict=True)) for row in panel["rows"]}
    assert (rows["PAY"]["open incidents"], rows["P2"]["open incidents"]) == (2, 1)
    assert (rows["PAY"]["overdue reviews"], rows["P2"]["overdue reviews"]) == (0, 1)


def test_the_header_selector_narrows_every_admin_page_to_one_programme(two, client):
    p2, pay, *_ = two
    both = make_user("both")
    for programme in (p2, pay):
        Membership.objects.create(programme=programme, user=both, role=roles.VIEWER)
    client.force_login(both)
    index = client.get("/admin/").content.decode()
    assert 'id="riskregister-programme"' in index
    pay_title = Risk.objects.get(programme=pay, code="R-1").title
    p2_title = Risk.objects.get(programme=p2, code="R-1").title
    assert pay_title in client.get("/admin/register/risk/").content.decode()
    response = client.post("/admin/programme/", {"programme": "P2", "next": "/admin/register/risk/"})
    assert response.status_code == 302 and response["Location"] == "/admin/register/risk/"
    page = client.get("/admin/register/risk/").content.decode()
    assert p2_title in page and pay_title not in page
    # The API names its programme itself: the choice is the admin's.
    assert client.get("/api/v1/risks/", {"page_size": 50}).json()["count"] == 14
    # A programme the person cannot see is not remembered; "all" is the default again.
    client.post("/admin/programme/", {"programme": "NOPE", "next": "/admin/"})
    assert pay_title in client.get("/admin/register/risk/").content.decode()
    # Off-site "next" addresses are refused.
    assert client.post("/admin/programme/", {"programme": "", "next": "https://evil.example/"})["Location"] == "/admin/"


def test_each_programme_keeps_its_own_catalogue_from_its_plan(two):
    """The same plan in two programmes: two sets of categories, metrics, alert rules, strategies,
    review templates and appetite — keys stay unique in the organisation, names within a programme."""
    from monitoring.models import AlertRule, Metric
    from register.models import Appetite, Category, ScaleBand, Strategy
    from reviews.models import ReviewTemplate

    p2, pay, *_ = two
    for model in (Category, Metric, AlertRule, Strategy, ReviewTemplate):
        mine, theirs = model.objects.filter(programme=p2), model.objects.filter(programme=pay)
        assert mine.exists() and theirs.exists(), model
    assert Appetite.objects.filter(programme=p2).exists() == Appetite.objects.filter(programme=pay).exists()
    keys = list(Metric.objects.values_list("key", flat=True))
    assert len(keys) == len(set(keys))
    # Every risk's category and indicator metrics are of its own programme.
    for risk in Risk.objects.select_related("category").prefetch_related("indicators__metric"):
        assert risk.category is None or risk.category.programme_id == risk.programme_id
        assert all(i.metric.programme_id == risk.programme_id for i in risk.indicators.all() if i.metric_id)
    # The first plan's scale is the organisation's; the second states its bands in other words
    # (English), so it has them as its own.
    assert set(ScaleBand.objects.for_programme(p2)) == set(ScaleBand.objects.filter(programme__isnull=True))
    assert {band.label for band in ScaleBand.objects.for_programme(pay)} == {"Low", "Medium", "High"}


def test_two_plans_side_by_side_give_the_facts_each_gives_alone(db):
    from django.db import transaction

    from plans.exporter import export_json

    def facts(programme) -> dict:
        exported = export_json(programme)
        exported.pop("programme")
        for version in exported["appetite"]:
            version.pop("set_at")
        for risk in exported["risks"]:
            for change in risk["score_history"]:
                change.pop("changed_at")
        return exported

    class Undo(Exception):
        pass

    alone = {}
    for seed in (SEED_JA, SEED_EN):
        try:
            with transaction.atomic():
                programme = Programme.objects.create(code="ALONE", name="alone")
                import_plan(read_plan_file(seed), programme=programme)
                alone[seed] = facts(programme)
                raise Undo
        except Undo:
            pass
    p2 = Programme.objects.create(code="P2", name="P2")
    pay = Programme.objects.create(code="PAY", name="PAY")
    import_plan(read_plan_file(SEED_JA), programme=p2)
    import_plan(read_plan_file(SEED_EN), programme=pay)
    assert facts(p2) == alone[SEED_JA]
    assert facts(pay) == alone[SEED_EN]


def test_a_programme_with_its_own_scale_keeps_it_to_itself(two):
    from plans.parser import parse_plan
    from register.models import ScaleBand

    p2, pay, *_ = two
    text = SEED_EN.read_text(encoding="utf-8")
    changed = text.replace("| 1-2 |", "| 1-1 |").replace("| 3-4 |", "| 2-4 |")
    assert changed != text, "the seed's scale is written as expected"
    organisation = sorted(ScaleBand.objects.filter(programme__isnull=True).values_list("label", "min_value"))
    import_plan(parse_plan(changed), programme=pay, source_name="pay v2")
    assert sorted(ScaleBand.objects.filter(programme__isnull=True).values_list("label", "min_value")) == organisation
    own = ScaleBand.objects.for_programme(pay)
    assert own.exists() and all(band.programme_id == pay.pk for band in own)
    assert list(ScaleBand.objects.for_programme(p2)) == list(ScaleBand.objects.filter(programme__isnull=True))
    # A phase under PAY scores by PAY's scale until it states its own.
    phase = Programme.objects.create(code="PAY-2", name="Payments phase 2", parent=pay)
    assert set(ScaleBand.objects.for_programme(phase)) == set(own)


def test_beat_opens_each_programmes_review_from_its_own_template(two):
    from reviews.models import Review
    from reviews.tasks import open_weekly_review

    p2, pay, *_ = two
    result = open_weekly_review()
    assert "P2" in result and "PAY" in result
    for programme in (p2, pay):
        review = Review.objects.get(programme=programme, kind="weekly")
        assert review.items.count() > 0
        assert {row.risk.programme_id for row in review.reassessments.select_related("risk")} <= {programme.pk}
    assert open_weekly_review().count("already open") == 2  # idempotent


def test_an_alertmanager_token_of_one_programme_finds_risks_there_only(two, client):
    from incidents.models import Incident, IntegrationToken

    p2, pay, *_ = two
    token = IntegrationToken(name="pay alertmanager", programme=pay)
    raw = token.issue()
    token.save()
    payload = {
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "CardLatency", "risk": "R-1"},
                "annotations": {"summary": "card latency"},
                "startsAt": "2026-12-01T10:00:00Z",
                "fingerprint": "f1",
            }
        ]
    }
    response = client.post(
        "/api/v1/integrations/alertmanager/",
        payload,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 200, response.content
    incident = Incident.objects.get(title__startswith="CardLatency")
    # R-1 exists in both programmes; the token's programme says which.
    assert incident.programme == pay
    assert list(incident.risks.values_list("programme__code", "code")) == [("PAY", "R-1")]


def test_the_api_opens_an_incident_in_the_programme_of_its_risks(two, api_as):
    p2, pay, *_ = two
    responder = make_user("responder-both")
    for programme in (p2, pay):
        Membership.objects.create(programme=programme, user=responder, role=roles.INCIDENT_RESPONDER)
    api = api_as(responder)
    created = api.post("/api/v1/incidents/", {"title": "refunds stuck", "risks": ["PAY:R-2"]}, format="json")
    assert created.status_code == 201, created.data
    assert created.data["programme"] == "PAY"
    mixed = api.post("/api/v1/incidents/", {"title": "x", "programme": "P2", "risks": ["PAY:R-2"]}, format="json")
    assert mixed.status_code == 400 and "risks" in mixed.data
    # Responding in P2 is no say in PAY: PAY's incident is not found for P2's responder.
    p2_responder = make_user("responder-p2")
    Membership.objects.create(programme=p2, user=p2_responder, role=roles.INCIDENT_RESPONDER)
    pk = created.data["id"]
    note = api_as(p2_responder).post(f"/api/v1/incidents/{pk}/notes/", {"message": "hi"}, format="json")
    assert note.status_code == 404


def test_an_admin_add_form_puts_the_row_in_the_users_programme_or_asks_which(two, client):
    from register.models import Category

    p2, pay, *_ = two
    lead = make_user("lead-p2")
    Membership.objects.create(programme=p2, user=lead, role=roles.ADMINISTRATOR)
    client.force_login(lead)
    form = client.get("/admin/register/category/add/").content.decode()
    assert 'name="programme"' not in form  # one programme to see: nothing to choose
    assert client.post("/admin/register/category/add/", {"name": "Fraud", "order": 1}).status_code == 302
    assert Category.objects.get(name="Fraud").programme == p2
    # The organisation's administrator sees both: the form asks, and says so when left empty.
    client.force_login(make_user("root", superuser=True))
    response = client.post("/admin/register/category/add/", {"name": "Chargebacks", "order": 2})
    assert response.status_code == 200 and "Choose the programme" in response.content.decode()
    created = client.post("/admin/register/category/add/", {"programme": pay.pk, "name": "Chargebacks", "order": 2})
    assert created.status_code == 302 and Category.objects.get(name="Chargebacks").programme == pay


def test_the_portfolio_of_reviews_shows_each_programmes_reviews_to_whoever_sees_it(two, client):
    from datetime import timedelta

    from django.utils import timezone

    from reviews.actions import open_review
    from reviews.models import Review

    p2, pay, alice, _ = two
    done, _ = open_review("weekly", "2026-W40", programme=pay)
    Review.objects.filter(pk=done.pk).update(
        status="completed", completed_at=timezone.now(), summary="card network failover rehearsed"
    )
    late, _ = open_review("monthly", "2026-10", programme=p2)
    Review.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - timedelta(days=2))
    client.force_login(make_user("root", superuser=True))
    response = client.get("/admin/reviews/review/portfolio/")
    assert response.status_code == 200
    rows = {row["code"]: row for row in response.context["rows"]}
    assert rows["PAY"]["weekly"].pk == done.pk and rows["PAY"]["monthly"] is None
    assert rows["P2"]["overdue"] == 1 and rows["PAY"]["overdue"] == 0
    page = response.content.decode()
    assert "card network failover rehearsed" in page and "overdue" in page
    # A member of P2 reads P2's row only.
    client.force_login(alice)
    mine = client.get("/admin/reviews/review/portfolio/")
    assert [row["code"] for row in mine.context["rows"]] == ["P2"]
    assert "card network failover rehearsed" not in mine.content.decode()


def test_a_list_offers_one_programme_filter(two, client):
    client.force_login(make_user("root", superuser=True))
    for url in ("/admin/register/risk/", "/admin/register/category/", "/admin/monitoring/metric/"):
        page = client.get(url).content.decode()
        assert page.count('data-filter-title="programme"') == 1, url
