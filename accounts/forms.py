"""Forms for the accounts pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    """Create a personal API token."""

    name = forms.CharField(label=_("name"), max_length=100)
    days = forms.IntegerField(
        label=_("valid for (days)"),
        min_value=1,
        max_value=366,
        initial=90,
        help_text=_("Tokens always expire; create a new one when this one runs out."),
    )
