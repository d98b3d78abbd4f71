"""Users' roles and scopes (who may see which projects) and hashed API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.signals import m2m_changed
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.history import audited


class Role(models.TextChoices):
    """The five roles. The rules for each live in accounts.policy (one place)."""

    ADMIN = "admin", _("administrator")
    ANALYST = "analyst", _("municipal analyst")
    OFFICER = "officer", _("district officer")
    PARTNER = "partner", _("partner")
    VIEWER = "viewer", _("viewer")


def new_scope_stamp() -> int:
    """A fresh random stamp; see Profile.scope_stamp."""
    return secrets.randbits(62)


class Profile(models.Model):
    """A user's role and scope; a user without a profile sees nothing (unless superuser).

    Roles are data: an administrator assigns them per user (Django admin or
    `zhaoshang` commands), together with the per-user grants the role allows.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.VIEWER)
    districts = models.ManyToManyField(
        "geo.District",
        blank=True,
        related_name="+",
        verbose_name=_("assigned districts"),
        help_text=_("District officers read and write projects located in these districts."),
    )
    zones = models.ManyToManyField(
        "geo.Zone",
        blank=True,
        related_name="+",
        verbose_name=_("assigned zones / parks"),
        help_text=_("District officers read and write projects located in these zones."),
    )
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("partner organisation"),
        help_text=_("Partner users read the projects this partner referred."),
    )
    can_write = models.BooleanField(
        _("may write"),
        default=False,
        help_text=_("Municipal analysts: may create, edit and delete records."),
    )
    city_aggregates = models.BooleanField(
        _("city-wide aggregates"),
        default=False,
        help_text=_("District officers: may see city-wide totals (never the rows)."),
    )
    view_confidential = models.BooleanField(
        _("sees confidential investors"),
        default=False,
        help_text=_("Shows the investor of confidential projects."),
    )
    unit = models.CharField(_("unit"), max_length=200, blank=True)
    # Changes whenever the profile or its district/zone assignments change (a new random
    # value, so a stale copy saved later can never bring back a value already used).
    # accounts.policy caches the assigned district and zone ids per (profile, stamp), which
    # spares every request the two assignment queries without ever serving an old scope.
    scope_stamp = models.BigIntegerField(default=new_scope_stamp, editable=False)

    history = audited(m2m_fields=[districts, zones], excluded_fields=["scope_stamp"])

    class Meta:
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="partner") | models.Q(partner__isnull=False),
                name="profile_partner_role_needs_partner",
            ),
        ]

    def __str__(self) -> str:
        return "{user} ({role})".format(user=self.user, role=self.get_role_display())

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.scope_stamp = new_scope_stamp()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "scope_stamp"}
        super().save(*args, **kwargs)


TOKEN_PREFIX = "zs_"


def hash_secret(secret: str) -> str:
    """SHA-256 of the whole token; tokens are long random strings, so no salt is needed."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self, now: dt.datetime | None = None) -> ApiTokenQuerySet:
        """Neither revoked nor expired (at `now`, default the current time)."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A per-user API token. Only its SHA-256 is stored; the secret is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, db_index=True, editable=False)
    token_hash = models.CharField(_("SHA-256"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return "{name} ({prefix}…)".format(name=self.name, prefix=self.prefix)

    @classmethod
    def issue(cls, user: Any, name: str, *, days: int | None = 90) -> tuple[ApiToken, str]:
        """Create a token and return it with its secret (the only time the secret exists)."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        expires = timezone.now() + dt.timedelta(days=days) if days else None
        token = cls.objects.create(
            user=user,
            name=name,
            prefix=secret[: len(TOKEN_PREFIX) + 6],
            token_hash=hash_secret(secret),
            expires_at=expires,
        )
        return token, secret

    @property
    def is_usable(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


def _assignments_changed(sender: Any, instance: Any, action: str, reverse: bool, **kw: Any) -> None:
    """A new scope stamp for every profile whose districts or zones changed.

    The assignments have no reverse accessor (related_name="+"), so changes come from the
    profile's side; a reverse add or remove names the profiles in pk_set.
    """
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    profile_ids = set(kw.get("pk_set") or ()) if reverse else {instance.pk}
    if profile_ids:
        stamp = new_scope_stamp()
        Profile.objects.filter(pk__in=profile_ids).update(scope_stamp=stamp)
        if not reverse:
            instance.scope_stamp = stamp


m2m_changed.connect(_assignments_changed, sender=Profile.districts.through)
m2m_changed.connect(_assignments_changed, sender=Profile.zones.through)
