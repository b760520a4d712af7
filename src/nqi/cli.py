"""The `nqi` console command: every operator task, wrapping Django's management commands.

`nqi demo`, `nqi sla`, `nqi worker`, `nqi seed`, ... are management commands of the apps;
`nqi worker` is the django-tasks database worker; any other Django command works too (`nqi migrate`).
"""

import os
import sys

ALIASES = {"worker": "db_worker", "plan-sampling": "plan_sampling"}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nqi.settings")
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] in ALIASES:
        argv[1] = ALIASES[argv[1]]
    if len(argv) > 1 and argv[1] == "demo":
        os.environ.setdefault("NQI_DEMO", "1")
    from django.core.management import execute_from_command_line

    argv[0] = "nqi"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
