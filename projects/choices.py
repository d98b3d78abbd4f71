"""Fixed vocabularies of the project record (stages are data, not listed here)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Origin(models.TextChoices):
    FOREIGN = "foreign", _("foreign")
    OUT_OF_PROVINCE = "out_of_province", _("out of province")
    IN_PROVINCE = "in_province", _("in province (other city)")
    IN_CITY = "in_city", _("in city")


class Priority(models.TextChoices):
    A = "A", _("A")
    B = "B", _("B")
    C = "C", _("C")


class LeadSource(models.TextChoices):
    NEWS = "news", _("news / press release")
    PARTNER = "partner", _("partner referral")
    EVENT = "event", _("promotion event")
    VISIT = "visit", _("visit")
    ENQUIRY = "enquiry", _("inbound enquiry")
    EXISTING = "existing", _("existing investor")
    GOVERNMENT = "government", _("government referral")
    OTHER = "other", _("other")


class StageDate(models.TextChoices):
    """Which dated milestone a stage records on the project when it is entered."""

    NONE = "", _("none")
    SIGNED = "signed_on", _("signing date")
    REGISTERED = "registered_on", _("registration date")
    CONSTRUCTION = "construction_on", _("construction start date")
    OPERATING = "operating_on", _("operation date")
