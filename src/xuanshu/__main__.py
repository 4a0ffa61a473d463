"""`python -m xuanshu <command>`: the management CLI, as manage.py would be."""
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuanshu.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["xuanshu", *sys.argv[1:]])


if __name__ == "__main__":
    main()
