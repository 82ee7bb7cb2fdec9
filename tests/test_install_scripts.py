"""The install steps `make run` and `make test` take on every start do nothing where the packages
are installed: no apt-get, a quick exit 0 (a second `make run` once spent ~100 s in apt because a
font check failed on SIGPIPE under pipefail)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = [
    ["scripts/install-report-deps.sh"],
    ["scripts/install-report-deps.sh", "--tests"],
    ["scripts/install-test-services.sh"],
]


@pytest.mark.parametrize("command", SCRIPTS, ids=" ".join)
def test_an_install_script_does_nothing_where_the_packages_are(tmp_path, command):
    if not (shutil.which("pdftotext") and shutil.which("prometheus") and shutil.which("chromium")):
        if os.environ.get("CI") == "true":
            pytest.fail("make test installs these packages before the tests run")
        # Run directly, without `make test` first, there is nothing installed to find; CI fails instead.
        pytest.skip("the Debian packages are not installed here (make test installs them)")
    called = tmp_path / "apt-get-called"
    fake = tmp_path / "bin"
    fake.mkdir()
    for tool in ("apt-get", "apt"):
        (fake / tool).write_text(f'#!/bin/sh\necho "$@" >> {called}\nexit 1\n')
        (fake / tool).chmod(0o755)
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}"}
    result = subprocess.run(["bash", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert not called.exists(), called.read_text()
    assert result.stdout == ""
