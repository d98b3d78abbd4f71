"""WSGI entry point: `gunicorn -c config/gunicorn.conf.py config.wsgi:application`.

Every request goes through settings.MIDDLEWARE; bearer-token API requests skip its
browser-only middleware (core.middleware.SkipForTokenRequests, docs/security.md).
"""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()
