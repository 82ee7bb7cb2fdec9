"""Run one process of `make run` with its output prefixed by its name (``web    | …``).

supervisord (riskregister/supervise.py) runs each Procfile entry through this wrapper so the
terminal shows every process's lines interleaved and attributed, as honcho did. The child dies with
the wrapper (``PR_SET_PDEATHSIG``), so a killed wrapper never leaves a server holding its port; the
wrapper exits with the child's status, so supervisord sees the child's death as its own. Colour
codes are dropped: the lines are read by people scrolling a terminal and by whoever greps the log.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import signal
import subprocess
import sys

_PR_SET_PDEATHSIG = 1
_ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


def _die_with_parent() -> None:
    # Not Linux: no prctl, and the process-group kill of supervisord still applies.
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[2] != "--":
        sys.stderr.write("usage: python -m riskregister.prefixed NAME -- COMMAND...\n")
        return 2
    name, command = argv[1], argv[3:]
    prefix = f"{name:<{int(os.environ.get('PREFIX_WIDTH', '8'))}}| ".encode()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda received, _frame: child.send_signal(received))
    out = sys.stdout.buffer
    for raw in iter(child.stdout.readline, b""):
        line = _ANSI.sub(b"", raw)
        out.write(prefix + line if line.endswith(b"\n") else prefix + line + b"\n")
        out.flush()
    status = child.wait()
    return 128 - status if status < 0 else status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
