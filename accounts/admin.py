"""Administrators assign roles and scopes on the user page and manage tokens."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from accounts.models import ApiToken, Profile


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    filter_horizontal = ("districts", "zones")
    autocomplete_fields = ("partner",)


class ZhaoshangUserAdmin(UserAdmin):
    inlines = [ProfileInline]


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, ZhaoshangUserAdmin)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "user",
        "prefix",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("name", "user__username", "prefix")
    readonly_fields = ("prefix", "token_hash", "created_at", "last_used_at")
    actions = ["revoke"]

    def has_add_permission(self, request: object) -> bool:
        # Secrets are shown once at creation: create tokens on /accounts/tokens/ or with
        # `zhaoshang token create`, never here.
        return False

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request: object, queryset: object) -> None:
        for token in queryset:  # type: ignore[attr-defined]
            token.revoke()
