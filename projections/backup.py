"""Backups need only the relational database (the projections are rebuilt from it) plus a manifest
with checksums; a restore verifies them before touching anything."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from xml.etree import ElementTree

from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

# XML keeps datetimes to the microsecond; Django's JSON encoder cuts them to milliseconds, and a
# restore must give back the same register.
DATA = "data.xml"
MANIFEST = "manifest.json"
# Rebuilt or regenerated, never restored: the outbox, sessions, admin log, content types and permissions
# (recreated by migrate with the same natural keys the dump refers to), beat's change marker
# (rewritten whenever a schedule is saved, the restore included) and the audit trail (append-only:
# a restore archives it and re-anchors its chain, docs/audit.md).
EXCLUDE = [
    "projections",
    "audit",
    "sessions",
    "admin.logentry",
    "contenttypes",
    "auth.permission",
    "django_celery_beat.periodictasks",
]


class BackupError(Exception):
    pass


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def dump() -> str:
    out = io.StringIO()
    call_command(
        "dumpdata",
        natural_foreign=True,
        natural_primary=False,
        exclude=EXCLUDE,
        format="xml",
        stdout=out,
    )
    return out.getvalue()


def backup(directory: Path) -> dict:
    directory.mkdir(parents=True, exist_ok=True)
    data = directory / DATA
    data.write_text(dump(), encoding="utf-8")
    counts: dict[str, int] = {}
    for obj in ElementTree.parse(data).getroot().findall("object"):  # not the nested m2m ones
        counts[obj.get("model")] = counts.get(obj.get("model"), 0) + 1
    manifest = {
        "format": 1,
        "created_at": timezone.now().isoformat(),
        "files": {DATA: {"sha256": sha256(data), "bytes": data.stat().st_size}},
        "counts": counts,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
    return manifest


def verify(directory: Path) -> dict:
    """The manifest, once every file in it has its recorded size and checksum."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{directory / MANIFEST}: unreadable manifest ({exc})") from exc
    for name, expected in manifest.get("files", {}).items():
        path = directory / name
        if not path.exists():
            raise BackupError(f"{name} is missing")
        if sha256(path) != expected["sha256"]:
            raise BackupError(f"{name}: checksum mismatch; the backup is damaged or was edited")
    if DATA not in manifest.get("files", {}):
        raise BackupError(f"the manifest lists no {DATA}")
    return manifest


def restore(directory: Path) -> dict:
    """Replace the register with the backup: verify, then flush and load in one transaction."""
    manifest = verify(directory)
    from audit import retention

    with transaction.atomic():
        # The trail before the restore goes to an archive file; the restore's own writes start the
        # new one, anchored to where the old one ended.
        anchor = retention.archive_all()
        call_command("flush", interactive=False, verbosity=0)
        retention.reanchor(anchor)
        call_command("loaddata", str(directory / DATA), verbosity=0)
    return manifest
