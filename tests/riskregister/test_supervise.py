"""`make run`'s supervisor configuration, read off the Procfile (the e2e test runs the real thing)."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

import pytest

from riskregister import supervise


def test_every_procfile_process_becomes_a_restarted_program_and_setup_runs_once(tmp_path):
    processes = supervise.read_procfile(supervise.ROOT / "Procfile")
    assert [name for name, _ in processes] == ["broker", "web", "worker", "outbound", "beat", "graph", "vector"]
    text = supervise.config(processes, tmp_path, "/py", "exec /py manage.py bootstrap --wait")
    conf = configparser.RawConfigParser()
    conf.read_string(text)
    programs = {s.split(":", 1)[1]: conf[s] for s in conf.sections() if s.startswith("program:")}
    assert set(programs) == {*(name for name, _ in processes), "setup"}
    for name, program in programs.items():
        assert program["autorestart"] == ("false" if name == "setup" else "true")
        assert program["stopasgroup"] == program["killasgroup"] == "true"
        assert shlex.split(program["command"])[:5] == ["/py", "-m", "riskregister.prefixed", name, "--"]
    assert (
        int(programs["broker"]["priority"]) < int(programs["worker"]["priority"]) < int(programs["setup"]["priority"])
    )
    assert conf["unix_http_server"]["password"] == conf["supervisorctl"]["password"]


@pytest.mark.parametrize(
    ("command", "shell"),
    [
        (".venv/bin/python -m riskregister.broker", "exec .venv/bin/python -m riskregister.broker"),
        ("rm -rf x && exec gunicorn app", "rm -rf x && exec gunicorn app"),  # compound: left to the shell
        ("exec celery -A riskregister beat", "exec celery -A riskregister beat"),
        ("echo 100%", "exec echo 100%%"),  # supervisord interpolates %: doubled
    ],
)
def test_a_simple_command_is_execd_so_it_dies_with_its_wrapper(command, shell):
    program = supervise._program("p", command, 10, "/py")
    line = next(line for line in program.splitlines() if line.startswith("command="))
    assert shlex.split(line.removeprefix("command="))[-1] == shell


@pytest.mark.parametrize("line", ["web", "web:", ": cmd", "two words: cmd"])
def test_a_malformed_procfile_line_is_named(tmp_path, line):
    procfile = Path(tmp_path / "Procfile")
    procfile.write_text(f"broker: redis\n{line}\n")
    with pytest.raises(SystemExit, match=":2: expected 'name: command'"):
        supervise.read_procfile(procfile)
