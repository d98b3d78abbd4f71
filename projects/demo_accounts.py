"""One account per role (docs/security.md), for the demo and the tests.

`create_personas()` makes admin, analyst, two district officers (徐汇区 and 嘉定区), a partner
user linked to a partner organisation and a viewer. Anonymous access is tested by simply
not logging in.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

PERSONA_PASSWORD = "persona-Passw0rd-2026"  # noqa: S105 - test and demo accounts only
XUHUI, JIADING = "310104", "310114"
PERSONA_PARTNER_NAME = "示例引荐合作伙伴"
PERSONAS = ("admin", "analyst", "officer_xuhui", "officer_jiading", "partner", "viewer")


@lru_cache(maxsize=1)
def _password_hash() -> str:
    # Hashing is deliberately slow; six personas per test would cost seconds. One salted
    # hash per process, shared by the persona accounts, keeps real hashing and login intact.
    return make_password(PERSONA_PASSWORD)


def _user(username: str) -> Any:
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(
        username=username, defaults={"email": f"{username}@example.invalid"}
    )
    user.password = _password_hash()
    user.is_active = True
    user.save()
    return user


def create_personas(*, analyst_can_write: bool = True) -> dict[str, Any]:
    """Create (or refresh) the six personas and return them by key; idempotent."""
    from accounts.models import Profile, Role
    from accounts.policy import forget_scope
    from geo.models import District
    from partners.models import Partner

    partner_org, _ = Partner.objects.get_or_create(
        name_zh_hans=PERSONA_PARTNER_NAME, defaults={"kind": Partner.Kind.AGENCY}
    )
    spec: dict[str, dict[str, Any]] = {
        "admin": {"role": Role.ADMIN},
        "analyst": {"role": Role.ANALYST, "can_write": analyst_can_write},
        "officer_xuhui": {"role": Role.OFFICER, "districts": [XUHUI]},
        "officer_jiading": {"role": Role.OFFICER, "districts": [JIADING]},
        "partner": {"role": Role.PARTNER, "partner": partner_org},
        "viewer": {"role": Role.VIEWER},
    }
    users: dict[str, Any] = {}
    for key, fields in spec.items():
        user = _user(key)
        districts = fields.pop("districts", [])
        profile, _ = Profile.objects.update_or_create(user=user, defaults=fields)
        profile.districts.set(District.objects.filter(code__in=districts))
        forget_scope(user)
        users[key] = user
    return users
