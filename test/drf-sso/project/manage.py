#!/usr/bin/env python3
"""Django's command line for the DRF-SSO stand-in deployment (see drfsite/settings.py)."""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "drfsite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
