"""Importing a plan file from the admin or the API: preview (a dry run that is recorded), then apply.

Both entry points come here so they share the rules: the file is read by :mod:`plans.files`, the
register is written by :func:`plans.importer.import_plan` (atomic), and an apply is refused when the
register changed since the preview it was shown (the preview's ``register_version``).
"""

from __future__ import annotations

import datetime
import hashlib
import json

from django.db import transaction
from django.utils import timezone

from plans.choices import PlanImportState
from plans.document import PlanError, format_problem
from plans.exporter import export_json
from plans.files import read_plan
from plans.importer import import_plan
from plans.models import PlanImport
from plans.spreadsheets import format_of
from register.models import Programme

MAX_PLAN_BYTES = 5 * 1024 * 1024
# Previews nobody applied are kept this long (they hold the uploaded file), then dropped.
PREVIEW_DAYS = 7


class StalePreview(Exception):
    """The register changed between the preview and the apply."""


def register_version(programme: Programme) -> str:
    """A digest of everything a plan import into ``programme`` reads or writes: equal digests, equal
    register."""
    content = json.dumps(export_json(programme), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(content.encode()).hexdigest()


def problems_of(error: PlanError) -> list[dict]:
    return [
        {"where": None if where is None else str(where), "message": message, "text": format_problem(where, message)}
        for where, message in error.problems
    ]


def check_upload(name: str, data: bytes) -> str:
    """The file's format; PlanError for a file we will not read at all."""
    if len(data) > MAX_PLAN_BYTES:
        raise PlanError([(None, f"the file is larger than {MAX_PLAN_BYTES // 2**20} MB")])
    if not data:
        raise PlanError([(None, "the file is empty")])
    return format_of(name, data)


def target(programme: Programme | None) -> Programme:
    """The programme an import goes into: the one named, or the register's only one."""
    if programme is not None:
        return programme
    try:
        return Programme.objects.default()
    except Programme.Ambiguous as exc:
        raise PlanError([(None, "the register has several programmes: choose the one to import into")]) from exc


def preview(user, name: str, data: bytes, programme: Programme | None = None) -> tuple[PlanImport | None, list[dict]]:
    """Read and dry-run the file against ``programme``'s register. Returns the recorded preview
    (None when the file cannot be imported) and the problems that stop it."""
    name = (name or "plan").rsplit("/", 1)[-1][:255]
    try:
        kind = check_upload(name, data)
        plan = read_plan(name, data)
        programme = target(programme)
        version = register_version(programme)
        report = import_plan(plan, programme=programme, user=user, dry_run=True, source_name=name)
    except PlanError as exc:
        return None, problems_of(exc)
    PlanImport.objects.filter(
        state=PlanImportState.PREVIEWED, created_at__lt=timezone.now() - datetime.timedelta(days=PREVIEW_DAYS)
    ).delete()
    record = PlanImport.objects.create(
        programme=programme,
        file_name=name,
        file_format=kind,
        checksum=hashlib.sha256(data).hexdigest(),
        size=len(data),
        content=data,
        register_version=version,
        report=report.as_dict(),
        created_by=user,
    )
    return record, []


def apply(user, record_id: int, expected_version: str | None = None) -> PlanImport:
    """Apply a preview: import exactly the previewed file, atomically, once.

    Raises StalePreview when the register changed since the preview (or since ``expected_version``)
    and PlanError when the file no longer imports (a rule the register enforces now refuses it).
    """
    with transaction.atomic():
        record = PlanImport.objects.select_for_update().get(pk=record_id)
        if record.state != PlanImportState.PREVIEWED:
            raise StalePreview("this preview was applied already")
        programme = target(record.programme)
        version = register_version(programme)
        if version != record.register_version or (expected_version and version != expected_version):
            raise StalePreview("the register changed since this preview; preview the file again")
        plan = read_plan(record.file_name, bytes(record.content))
        report = import_plan(plan, programme=programme, user=user, source_name=record.file_name)
        record.report = report.as_dict()
        record.state = PlanImportState.APPLIED
        record.applied_by = user
        record.applied_at = timezone.now()
        record.save(update_fields=["report", "state", "applied_by", "applied_at"])
    return record
