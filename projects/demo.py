"""Load the demo data file (projects/data/demo_2024_conference.yaml) idempotently."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from companies.models import Company, CompanyHonour, Facility
from events.models import Event
from geo.models import District, Zone
from partners.models import Partner
from projects.models import Project, Stage
from projects.services import create_project
from taxonomy.models import BusinessActivity, Honour, Industry, ProjectType

DEMO_FILE = Path(__file__).resolve().parent / "data" / "demo_2024_conference.yaml"


@dataclass
class DemoResult:
    companies: int
    projects: int
    partners: int
    event: Event


def _get(model: Any, label: str, **lookup: Any) -> Any:
    try:
        return model.objects.get(**lookup)
    except model.DoesNotExist:
        value = ", ".join(f"{k}={v}" for k, v in lookup.items())
        raise ValidationError(f"demo data: unknown {label} ({value})") from None


@transaction.atomic
def load_demo(path: Path = DEMO_FILE) -> DemoResult:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("schema_version") != 1:
        raise ValidationError(f"{path.name}: expected a mapping with schema_version: 1")
    ev = data["event"]
    event_date = (
        ev["date"] if isinstance(ev["date"], dt.date) else dt.date.fromisoformat(ev["date"])
    )
    event, _ = Event.objects.update_or_create(
        name=ev["name"],
        date=event_date,
        defaults={
            "name_en": ev.get("name_en", ""),
            "kind": ev["kind"],
            "venue": ev.get("venue", ""),
            "organiser": ev.get("organiser", ""),
            "district": _get(District, "district", code=ev["district"]),
            "zone": _get(Zone, "zone", slug=ev["zone"]) if ev.get("zone") else None,
            "announced_project_count": ev.get("announced_project_count"),
            "announced_total_cny": Decimal(ev["announced_total_cny"]),
            "announced_total_text": ev.get("announced_total_text", ""),
            "notes": ev.get("notes", ""),
        },
    )

    companies: dict[str, Company] = {}
    for row in data["companies"]:
        company = Company.objects.filter(name_zh_hans=row["name"]).first() or Company(
            name_zh_hans=row["name"]
        )
        company.name_en = row.get("name_en", company.name_en)
        company.aliases = row.get("aliases", company.aliases)
        company.country = row.get("country", "CN")
        company.full_clean()
        company.save()
        for honour in row.get("honours", []):
            CompanyHonour.objects.get_or_create(
                company=company,
                honour=_get(Honour, "honour", code=honour["code"]),
                year=honour.get("year"),
            )
        for facility in row.get("facilities", []):
            Facility.objects.get_or_create(
                company=company,
                kind=facility["kind"],
                district=_get(District, "district", code=facility["district"])
                if facility.get("district")
                else None,
                zone=_get(Zone, "zone", slug=facility["zone"]) if facility.get("zone") else None,
                defaults={"opened_year": facility.get("opened_year")},
            )
        companies[row["name"]] = company

    partners = 0
    for row in data["partners"]:
        Partner.objects.update_or_create(
            name_zh_hans=row["name"],
            defaults={
                "name_en": row.get("name_en", ""),
                "kind": row["kind"],
                "country": row.get("country", "CN"),
                "year_joined": event_date.year,
                "registered_on": event_date,
                "domains": row.get("domains", []),
            },
        )
        partners += 1

    projects = 0
    for row in data["projects"]:
        if Project.objects.filter(name=row["name"], is_synthetic=False).exists():
            projects += 1
            continue
        stage = _get(Stage, "stage", code=row["stage"])
        fields: dict[str, Any] = {
            "name": row["name"],
            "investor": companies[row["investor"]],
            "district": _get(District, "district", code=row["district"]),
            "zone": _get(Zone, "zone", slug=row["zone"]) if row.get("zone") else None,
            "industry": _get(Industry, "industry", code=row["industry"]),
            "business_activity": _get(
                BusinessActivity, "business activity", code=row["business_activity"]
            ),
            "project_type": _get(ProjectType, "project type", code=row["project_type"]),
            "stage": stage,
            "origin": row.get("origin", "out_of_province"),
            "source_country": row.get("source_country", ""),
            "lead_source": "event" if row.get("at_event") else "news",
            "priority": "A",
        }
        if row.get("amount_cny"):
            fields["amount_cny"] = Decimal(row["amount_cny"])
            fields["amount_original"] = Decimal(row["amount_cny"])
            fields["amount_text"] = row.get("amount_text", "")
        if row.get("at_event"):
            fields["signing_event"] = event
            fields["signed_on"] = event_date
        if stage.code == "registered":
            fields["registered_on"] = event_date
        create_project(stage_on=event_date if stage.is_won else None, **fields)
        projects += 1
    return DemoResult(len(companies), projects, partners, event)
