#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskregister.settings")
    import getpass

    from django.core.management import execute_from_command_line

    from core import auditing

    # What a command writes is recorded as the command's, run by this operating-system user.
    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    with auditing.acting(f"command:{command}", user_agent=f"os-user:{getpass.getuser()}"):
        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
