#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio_site.settings")
    from django.core.management import execute_from_command_line

    from portfolio_site.environment import ConfigError, exit_on_config_error

    try:
        execute_from_command_line(sys.argv)
    except ConfigError as error:
        exit_on_config_error(error)


if __name__ == "__main__":
    main()
