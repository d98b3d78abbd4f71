#!/usr/bin/env python
"""Django's command-line utility; `zhaoshang` is the installed equivalent."""

from config.cli import main

if __name__ == "__main__":
    main()
