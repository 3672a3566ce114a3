#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    # A developer's tool (shell, makemigrations, seed_demo): dev by default. The Docker image
    # and production hosts set DJANGO_SETTINGS_MODULE; the servers default to production.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iop.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
