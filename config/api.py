"""The REST API root (django-ninja) under /api/v1/; routers live in each app's api.py."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(title="zhaoshang API", version="1", urls_namespace="api")
