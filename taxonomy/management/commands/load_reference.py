"""`zhaoshang load_reference`: load districts, zones, regions and taxonomies (idempotent).

It lives in taxonomy, the upper of the two reference-data apps, which may read geo.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from core.context import change_context
from geo import loaders as geo
from taxonomy import loaders as taxonomy


class Command(BaseCommand):
    help = "Load the reference data files (geo and taxonomy) into the database."

    def handle(self, *args: Any, **options: Any) -> None:
        with change_context("command", request_id=None):
            provinces, cities = geo.load_regions()
            districts = geo.load_districts()
            zones = geo.load_zones()
            industries = taxonomy.load_industries()
            activities, types = taxonomy.load_project_types()
            honours = taxonomy.load_honours()
        self.stdout.write(
            f"reference data: {provinces} provinces, {cities} cities, {districts} districts, "
            f"{zones} zones, {industries} industries, {activities} business activities, "
            f"{types} project types, {honours} honours"
        )
