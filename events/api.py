"""/api/v1/events: list (EventFilterSet), detail, create, update, patch, delete."""

from __future__ import annotations

from ninja import Router

from core.api.crud import register_crud
from core.forms import ScopedModelForm
from events.filtersets import EventFilterSet
from events.models import Event
from events.schemas import EVENT_FORM_FIELDS, EventIn, EventOut, EventPatch, EventUpdate, event_out

router = Router(tags=["events"])


class EventForm(ScopedModelForm):
    """Event edit form used by the API."""

    class Meta:
        model = Event
        fields = EVENT_FORM_FIELDS


register_crud(
    router,
    model=Event,
    form_class=EventForm,
    filterset_class=EventFilterSet,
    out_schema=EventOut,
    in_schema=EventIn,
    update_schema=EventUpdate,
    patch_schema=EventPatch,
    render=event_out,
    label="events",
)
