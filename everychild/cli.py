"""The ``everychild`` command: Django's management commands under friendlier names.

``everychild import-divisions DIR`` runs the ``import_divisions`` command, and so on.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "everychild.settings")
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["everychild", *argv[1:]])


if __name__ == "__main__":
    main()
