"""Model fields that validate and normalise what users type, wherever it comes in.

* NameField: a CharField whose value goes through core.text.clean_name in its form field
  (pages, API, importer, admin), in model validation and on every save and bulk insert.
* CalendarDateField: a DateField that only holds dates within core.bounds (1949-01-01 to
  2100-12-31); the model validation behind every form, API write and import row refuses
  others with a message naming the range.

Both deconstruct as the plain Django field they extend: they change nothing in the
database, so migrations keep the plain field and never need to import this module.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models

from core.bounds import validate_calendar_date
from core.text import clean_name


class NameFormField(forms.CharField):
    """A CharField whose cleaned value is clean_name(value)."""

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return clean_name(value) if isinstance(value, str) else value


class NameField(models.CharField):
    """The name of a record (see the module docstring)."""

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return clean_name(value) if isinstance(value, str) else value

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if isinstance(value, str):
            value = clean_name(value)
            setattr(model_instance, self.attname, value)
        return value

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"form_class": NameFormField, **kwargs})

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs


class CalendarDateField(models.DateField):
    """A date within core.bounds (see the module docstring)."""

    default_validators = [validate_calendar_date]

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DateField", args, kwargs
