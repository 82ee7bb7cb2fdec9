"""backup → wipe → restore gives the same register and consistent projections; a damaged backup is
refused before anything changes."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from incidents.models import Incident
from projections import backup, consistency
from register.models import Risk, RiskLink
from reviews.actions import open_review
from tests.projections.conftest import drain_all

# Committed rows: PostgreSQL refuses to TRUNCATE (the flush) tables with pending deferred-FK checks.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def register(stores, seeded):
    RiskLink.objects.create(cause=Risk.objects.get(code="R-4"), effect=Risk.objects.get(code="R-2"))
    Incident.objects.create(title="同期の遅延", detected_at=timezone.now()).risks.add(Risk.objects.get(code="R-4"))
    open_review("weekly", "2026-W48")
    drain_all()


def test_backup_wipe_restore_is_identical_and_consistent(register, tmp_path):
    before = backup.dump()
    call_command("backup", str(tmp_path / "b"), stdout=StringIO())
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["counts"]["register.risk"] == 7 and len(manifest["files"]["data.xml"]["sha256"]) == 64
    call_command("flush", interactive=False, verbosity=0)
    assert not Risk.objects.exists()
    out = StringIO()
    call_command("restore", str(tmp_path / "b"), stdout=out)
    assert "projections: consistent" in out.getvalue()
    assert backup.dump() == before  # to the microsecond
    assert consistency.check().consistent


def test_a_damaged_backup_is_refused_and_changes_nothing(register, tmp_path):
    call_command("backup", str(tmp_path / "b"), stdout=StringIO())
    data = tmp_path / "b" / "data.xml"
    data.write_text(data.read_text().replace("API応答時間遅延", "tampered"))
    before = Risk.objects.count()
    with pytest.raises(CommandError, match="checksum mismatch"):
        call_command("restore", str(tmp_path / "b"), stdout=StringIO())
    assert Risk.objects.count() == before and Risk.objects.filter(title="API応答時間遅延").exists()
    with pytest.raises(CommandError, match="unreadable manifest"):
        call_command("restore", str(tmp_path / "nothing"), stdout=StringIO())


def test_a_restore_archives_the_trail_and_the_new_one_verifies(register, tmp_path, settings):
    from audit import seal
    from audit.models import Entry

    settings.AUDIT_ANCHOR_FILE = str(tmp_path / "anchor.log")
    settings.AUDIT_ARCHIVE_DIR = str(tmp_path / "archive")
    seal.seal()
    before = Entry.objects.count()
    call_command("backup", str(tmp_path / "b"), stdout=StringIO())
    call_command("restore", str(tmp_path / "b"), stdout=StringIO())
    archived = [line for f in (tmp_path / "archive").iterdir() for line in f.read_text().splitlines()]
    assert len(archived) >= before
    assert Entry.objects.filter(kind="prune").count() == 1
    report = seal.verify()
    assert report.ok, report.problems
