"""Two people on one risk in the admin: a stale save is refused, names the other change, keeps the
person's own input, and a second save applies both."""

import pytest
from django.test import Client
from django.urls import reverse

from register.models import Mitigation, Risk
from tests.conftest import make_user
from tests.forms import form_data

pytestmark = pytest.mark.django_db


def change_url(risk):
    return reverse("admin:register_risk_change", args=[risk.pk])


@pytest.fixture
def two_reviewers(seeded):
    a, b = Client(), Client()
    a.force_login(make_user("reviewer-a", superuser=True))
    b.force_login(make_user("reviewer-b", superuser=True))
    return a, b


def test_the_two_reviewer_sequence_ends_with_a_refusal_that_names_the_first_change(two_reviewers):
    a, b = two_reviewers
    risk = Risk.objects.get(code="R-1")
    before = risk.likelihood
    page_a = a.get(change_url(risk)).content.decode()
    page_b = b.get(change_url(risk)).content.decode()
    assert 'name="concurrency_token"' in page_a

    raised = str(before % 5 + 1)
    saved = a.post(change_url(risk), form_data(page_a, "risk_form", likelihood=raised, change_reason="worse"))
    assert saved.status_code == 302

    data_b = form_data(page_b, "risk_form")
    data_b["description"] = data_b["description"] + " One more sentence."
    refused = b.post(change_url(risk), data_b)
    assert refused.status_code == 200
    text = refused.content.decode()
    assert "someone changed this since you opened it" in text
    assert f"{before} → {raised}" in text
    risk.refresh_from_db()
    assert risk.likelihood == int(raised)  # A's re-score stands
    assert not risk.description.endswith("One more sentence.")

    # The form that came back holds B's sentence and A's likelihood: saving it applies both.
    again = form_data(text, "risk_form")
    assert again["description"].endswith("One more sentence.")
    assert again["likelihood"] == raised
    assert b.post(change_url(risk), again).status_code == 302
    risk.refresh_from_db()
    assert risk.likelihood == int(raised) and risk.description.endswith("One more sentence.")


def test_both_changing_one_field_keeps_the_second_persons_value_on_the_form_not_in_the_database(two_reviewers):
    a, b = two_reviewers
    risk = Risk.objects.get(code="R-2")
    page_a = a.get(change_url(risk)).content.decode()
    page_b = b.get(change_url(risk)).content.decode()
    assert a.post(change_url(risk), form_data(page_a, "risk_form", title="Title by A")).status_code == 302
    refused = b.post(change_url(risk), form_data(page_b, "risk_form", title="Title by B"))
    assert refused.status_code == 200
    assert Risk.objects.get(pk=risk.pk).title == "Title by A"
    assert form_data(refused.content.decode(), "risk_form")["title"] == "Title by B"


def test_inline_rows_changed_underneath_are_refused_and_come_back_merged(two_reviewers):
    _, b = two_reviewers
    risk = Risk.objects.filter(mitigations__isnull=False).first()
    mitigation = risk.mitigations.order_by("pk").first()
    page_b = b.get(change_url(risk)).content.decode()
    Mitigation.objects.filter(pk=mitigation.pk).update(title="Renamed by a bulk update")

    # B edits only the risk's description; the mitigation row on B's page is stale and would be
    # written back as it was: refused, the bulk update named, the row back with the new title.
    data = form_data(page_b, "risk_form")
    data["description"] += " (B)"
    prefix = next(k for k, v in data.items() if k.endswith("-id") and v == str(mitigation.pk)).removesuffix("-id")
    refused = b.post(change_url(risk), data)
    assert refused.status_code == 200
    assert "Renamed by a bulk update" in refused.content.decode()
    assert Mitigation.objects.get(pk=mitigation.pk).title == "Renamed by a bulk update"
    again = form_data(refused.content.decode(), "risk_form")
    assert again[f"{prefix}-title"] == "Renamed by a bulk update"
    assert b.post(change_url(risk), again).status_code == 302
    risk.refresh_from_db()
    assert risk.description.endswith("(B)")
    assert Mitigation.objects.get(pk=mitigation.pk).title == "Renamed by a bulk update"

    # B's page again; the row changes underneath while B edits the same row's detail: refused.
    page_b = b.get(change_url(risk)).content.decode()
    Mitigation.objects.filter(pk=mitigation.pk).update(title="Renamed again")
    data = form_data(page_b, "risk_form")
    data[f"{prefix}-detail"] = "B's detail"
    refused = b.post(change_url(risk), data)
    assert refused.status_code == 200
    assert "Renamed by a bulk update → Renamed again" in refused.content.decode()
    assert Mitigation.objects.get(pk=mitigation.pk).detail != "B's detail"


def test_an_untouched_row_that_nobody_changed_is_not_checked(two_reviewers):
    _, b = two_reviewers
    risk = Risk.objects.filter(mitigations__isnull=False).first()
    page_b = b.get(change_url(risk)).content.decode()
    data = form_data(page_b, "risk_form")
    # A risk field outside the page's own rows changes; the rows are untouched and unchanged.
    assert b.post(change_url(risk), {**data, "title": "Retitled"}).status_code == 302


def test_a_stale_delete_of_an_inline_row_is_refused(two_reviewers):
    _, b = two_reviewers
    risk = Risk.objects.filter(mitigations__isnull=False).first()
    mitigation = risk.mitigations.order_by("pk").first()
    data = form_data(b.get(change_url(risk)).content.decode(), "risk_form")
    Mitigation.objects.filter(pk=mitigation.pk).update(detail="Someone wrote this meanwhile")
    prefix = next(k for k, v in data.items() if k.endswith("-id") and v == str(mitigation.pk)).removesuffix("-id")
    refused = b.post(change_url(risk), {**data, f"{prefix}-DELETE": "on"})
    assert refused.status_code == 200
    assert "a row you are deleting was changed" in refused.content.decode()
    assert Mitigation.objects.filter(pk=mitigation.pk).exists()


def test_a_reading_flag_between_opening_and_saving_does_not_fail_the_save(two_reviewers):
    a, _ = two_reviewers
    risk = Risk.objects.get(code="R-3")
    page = a.get(change_url(risk)).content.decode()
    # What an alert does: flag the risk for review (a field machines write, left out of the version).
    Risk.objects.filter(pk=risk.pk).update(needs_reassessment=True, live_status="critical")
    data = form_data(page, "risk_form", title="Edited while an alert fired")
    data.pop("needs_reassessment", None)
    assert a.post(change_url(risk), data).status_code == 302


def test_a_tampered_token_is_refused(two_reviewers):
    a, _ = two_reviewers
    risk = Risk.objects.get(code="R-1")
    data = form_data(a.get(change_url(risk)).content.decode(), "risk_form", concurrency_token="forged", title="x")
    response = a.post(change_url(risk), data)
    assert response.status_code == 200 and "reload the page" in response.content.decode()
    assert Risk.objects.get(pk=risk.pk).title != "x"
