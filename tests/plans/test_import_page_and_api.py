"""Importing from the admin (upload → preview → apply) and the API, with permissions, the stale-preview
refusal and the record of every applied import."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from plans.models import PlanImport
from register.models import Risk
from tests.conftest import SEED_EN, SEED_JA, make_user
from tests.plans.test_spreadsheets import RISKS_EN, workbook

pytestmark = pytest.mark.django_db

IMPORT = "/admin/plans/import/"


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def test_an_administrator_previews_then_applies_a_markdown_plan(client, administrator):
    client.force_login(administrator)
    assert client.get(IMPORT).status_code == 200
    data = SEED_JA.read_bytes()
    response = client.post(IMPORT, {"action": "preview", "file": upload("plan.md", data)})
    assert response.status_code == 302
    preview = client.get(response["Location"])
    page = preview.content.decode()
    assert "R-1" in page and "plan-apply" in page
    assert Risk.objects.count() == 0, "a preview writes nothing"
    record = PlanImport.objects.get()
    assert (record.state, record.checksum, record.created_by) == (
        "previewed",
        hashlib.sha256(data).hexdigest(),
        administrator,
    )
    assert record.report["counts"]["risks"]["created"] == 7
    assert {c["entity"] for c in record.report["changes"]} >= {"risks", "mitigations", "metrics"}

    applied = client.post(IMPORT, {"action": "apply", "record": record.pk})
    assert applied.status_code == 302
    assert Risk.objects.count() == 7
    record.refresh_from_db()
    assert (record.state, record.applied_by) == ("applied", administrator)
    # The record is visible in the admin, with its report.
    detail = client.get(reverse("admin:plans_planimport_change", args=[record.pk])).content.decode()
    assert "plan.md" in detail and "R-1" in detail
    # Applying the same preview twice is refused.
    again = client.post(IMPORT, {"action": "apply", "record": record.pk})
    assert again.status_code == 409


def test_the_preview_lists_each_field_that_changes(client, administrator, seeded):
    client.force_login(administrator)
    edited = SEED_EN.read_text().replace("4 × 3 = 12", "4 × 4 = 16", 1)
    response = client.post(IMPORT, {"action": "preview", "file": upload("plan.md", edited.encode())})
    page = client.get(response["Location"]).content.decode()
    record = PlanImport.objects.get()
    risk_changes = [c for c in record.report["changes"] if c["entity"] == "risks"]
    assert len(risk_changes) >= 1
    assert risk_changes[0]["fields"]["likelihood"] == [3, 4]
    assert "Likelihood: 3 → 4" in page


def test_a_stale_preview_is_refused_and_changes_nothing(client, administrator):
    client.force_login(administrator)
    client.post(IMPORT, {"action": "preview", "file": upload("r.xlsx", workbook(Risks=RISKS_EN))})
    record = PlanImport.objects.get()
    # Someone edits the register between preview and apply.
    Risk.objects.create(number=50, title="added meanwhile", impact=1, likelihood=1)
    response = client.post(IMPORT, {"action": "apply", "record": record.pk})
    assert response.status_code == 409
    assert "changed since this preview" in response.content.decode()
    assert list(Risk.objects.values_list("number", flat=True)) == [50]
    record.refresh_from_db()
    assert record.state == "previewed"


def test_a_bad_file_shows_its_errors_with_sheet_row_and_column(client, administrator):
    client.force_login(administrator)
    bad = workbook(Risks=[RISKS_EN[0], ["R-1", "x", "", 7, 1]])
    response = client.post(IMPORT, {"action": "preview", "file": upload("bad.xlsx", bad)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "sheet &#x27;Risks&#x27;, row 2, column D (Probability)" in page
    assert PlanImport.objects.count() == 0


def test_a_reviewer_previews_but_may_not_apply(client, db):
    reviewer = make_user("rita", "reviewer")
    client.force_login(reviewer)
    response = client.post(
        IMPORT, {"action": "preview", "file": upload("r.csv", b"ID,Title,Impact,Likelihood\n1,a,2,2\n")}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "plan-apply" not in page
    record = PlanImport.objects.get()
    assert client.post(IMPORT, {"action": "apply", "record": record.pk}).status_code == 403
    assert Risk.objects.count() == 0


def test_a_viewer_may_not_open_the_import_page(client, viewer):
    client.force_login(viewer)
    assert client.get(IMPORT).status_code == 403


def test_the_index_links_to_the_import_page_and_the_workbook(client, administrator):
    client.force_login(administrator)
    page = client.get("/admin/").content.decode()
    assert IMPORT in page and "/admin/plans/export/?format=xlsx" in page
    export = client.get("/admin/plans/export/?format=xlsx")
    assert export.status_code == 200
    assert export["Content-Disposition"].endswith('.xlsx"')


# -- API ------------------------------------------------------------------------------------------
API = "/api/v1/plans/import/"


def test_api_dry_run_then_apply_with_the_version(api_as, administrator):
    api = api_as(administrator)
    data = workbook(Risks=RISKS_EN)
    dry = api.post(API, {"file": upload("r.xlsx", data)}, format="multipart")
    assert dry.status_code == 200, dry.content
    body = dry.json()
    assert body["state"] == "previewed" and body["report"]["dry_run"] is True
    assert body["report"]["counts"]["risks"]["created"] == 2
    assert Risk.objects.count() == 0
    applied = api.post(
        API,
        {"file": upload("r.xlsx", data), "dry_run": "false", "register_version": body["register_version"]},
        format="multipart",
    )
    assert applied.status_code == 200, applied.content
    assert applied.json()["state"] == "applied"
    assert Risk.objects.count() == 2
    # The same version again is stale now: the register changed.
    stale = api.post(
        API,
        {"file": upload("r.xlsx", data), "dry_run": "false", "register_version": body["register_version"]},
        format="multipart",
    )
    assert stale.status_code == 409


def test_api_applies_a_recorded_preview_by_id(api_as, administrator):
    api = api_as(administrator)
    dry = api.post(API, {"file": upload("plan.md", SEED_EN.read_bytes())}, format="multipart").json()
    response = api.post(f"/api/v1/plan-imports/{dry['id']}/apply/", {}, format="json")
    assert response.status_code == 200, response.content
    assert Risk.objects.count() == 7
    assert api.post(f"/api/v1/plan-imports/{dry['id']}/apply/", {}, format="json").status_code == 409
    listed = api.get("/api/v1/plan-imports/?state=applied").json()
    assert [r["id"] for r in listed["results"]] == [dry["id"]]


def test_api_errors_name_the_cell_and_write_nothing(api_as, administrator):
    bad = workbook(Risks=[RISKS_EN[0], ["R-1", "x", "", 3, 0]])
    response = api_as(administrator).post(API, {"file": upload("bad.xlsx", bad)}, format="multipart")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors[0]["where"] == "sheet 'Risks', row 2, column E (Severity)"
    assert "impact '0' is not a number from 1 to 5" in errors[0]["message"]
    assert PlanImport.objects.count() == 0


@pytest.mark.parametrize(
    "who, dry_run, expected",
    [
        ("anonymous", "true", 401),
        ("outsider", "true", 403),
        ("viewer", "true", 403),
        ("reviewer", "true", 200),
        ("reviewer", "false", 403),
        ("integration", "false", 200),
        ("administrator", "false", 200),
    ],
)
def test_api_permissions(api, who, dry_run, expected, db):
    roles = {"outsider": [], "viewer": ["viewer"], "reviewer": ["reviewer"], "integration": ["integration"]}
    if who == "administrator":
        api.force_authenticate(make_user("adm", "administrator"))
    elif who != "anonymous":
        api.force_authenticate(make_user(who, *roles[who]))
    data = {"file": upload("r.csv", b"ID,Title,Impact,Likelihood\n1,a,2,2\n"), "dry_run": dry_run}
    response = api.post(API, data, format="multipart")
    assert response.status_code == expected, response.content
    assert Risk.objects.count() == (1 if expected == 200 and dry_run == "false" else 0)


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("plan.pdf", b"%PDF-1.4", "unknown kind of file"),
        ("plan.md", b"", "file is empty"),
        ("plan.md", b"\xff\xfe\x00bad", "not valid UTF-8"),
        ("plan.xlsx", b"PK\x03\x04garbage", "cannot be read"),
        ("plan.md", b"# nothing here\n", "no risks found"),
    ],
)
def test_api_refuses_files_it_cannot_read_with_400(api_as, administrator, name, data, message):
    response = api_as(administrator).post(API, {"file": upload(name, data)}, format="multipart")
    assert response.status_code == 400
    assert message in response.json()["errors"][0]["message"]


def test_api_without_a_file_is_400_naming_the_field(api_as, administrator):
    response = api_as(administrator).post(API, {"dry_run": "true"}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"][0]["where"] == "file"


@pytest.mark.parametrize("record", ["abc", "", "99999999999999999999999", "-1"])
def test_the_import_page_answers_404_for_a_record_that_cannot_exist(client, administrator, record):
    client.force_login(administrator)
    assert client.post(IMPORT, {"action": "apply", "record": record}).status_code == 404
    assert client.get(IMPORT, {"preview": record}).status_code == 404


def test_a_large_import_lists_the_first_changes_and_counts_the_rest(db):
    from plans.files import read_plan
    from plans.importer import MAX_LISTED_CHANGES, import_plan

    rows = [["ID", "Title", "Impact", "Likelihood"]] + [[n, f"risk {n}", 1, 1] for n in range(1, 1201)]
    report = import_plan(read_plan("big.xlsx", workbook(Risks=rows)), dry_run=True)
    assert report.counts["risks"]["created"] == 1200
    assert len(report.changes) == MAX_LISTED_CHANGES
    assert report.more_changes == 1200 + report.counts["categories"]["created"] - MAX_LISTED_CHANGES
