#!/usr/bin/env python
"""Django's command-line utility for CoopESS."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # A command typed in a checkout is a developer's; servers set COOPESS_ENV=production
    # (gunicorn's config.wsgi keeps the production default).
    os.environ.setdefault("COOPESS_ENV", "development")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
