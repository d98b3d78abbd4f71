"""Personas and explicit data for the analytics and reports tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model

from accounts.models import Profile
from geo.models import District
from partners.models import Partner
from projects.models import Project
from taxonomy.models import ProjectType
from testing.factories import make_project

XUHUI = "310104"
PUDONG = "310115"
YI = Decimal("100000000")
TODAY = dt.date(2026, 11, 27)


def make_user(username: str, role: str | None = None, **profile: Any) -> Any:
    districts = profile.pop("districts", [])
    user = get_user_model().objects.create_user(username, password="pw-" + username * 2)
    if role == "admin":
        user.is_superuser = True
        user.save()
    elif role is not None:
        p = Profile.objects.create(user=user, role=role, **profile)
        if districts:
            p.districts.set(District.objects.filter(code__in=districts))
    return user


def personas() -> dict[str, Any]:
    partner = Partner.objects.create(name_zh_hans="测试合作伙伴", kind="agency")
    return {
        "admin": make_user("admin_p", "admin"),
        "analyst": make_user("analyst_p", "analyst"),
        "officer_xuhui": make_user("officer_xh", "officer", districts=[XUHUI]),
        "officer_pudong": make_user("officer_pd", "officer", districts=[PUDONG]),
        "partner": make_user("partner_p", "partner", partner=partner),
        "partner_org": partner,
    }


def yi(n: float | int | str) -> Decimal:
    return Decimal(str(n)) * YI


def expansion(name: str, amount: Decimal, increment: Decimal | None, **kw: Any) -> Project:
    return make_project(
        name,
        amount_cny=amount,
        increment_cny=increment,
        project_type=ProjectType.objects.get(code="expansion"),
        **kw,
    )


def two_districts() -> dict[str, Project]:
    """A small, explicit ledger over Xuhui and Pudong for 2024Q1 and 2023Q1."""
    q1 = dt.date(2024, 2, 10)
    last_year = dt.date(2023, 2, 10)
    return {
        "xh_big": make_project("徐汇大项目", district=XUHUI, amount_cny=yi(30), signed_on=q1),
        "xh_small": make_project("徐汇小项目", district=XUHUI, amount_cny=yi("0.5"), signed_on=q1),
        "xh_last_year": make_project(
            "徐汇去年项目", district=XUHUI, amount_cny=yi(2), signed_on=last_year
        ),
        "pd_big": make_project(
            "浦东百亿项目", district=PUDONG, amount_cny=yi(120), signed_on=q1, industry="biomed"
        ),
        "pd_estimated": make_project(
            "浦东估算项目",
            district=PUDONG,
            amount_cny=yi(5),
            amount_is_estimated=True,
            signed_on=q1,
            industry="ai",
        ),
        "pd_expansion": expansion(
            "浦东增资项目", yi(10), yi(3), district=PUDONG, signed_on=q1, industry="auto"
        ),
    }
