"""The French opening-hours editor of the structure form, and hours shown in French.

The field stays a text input (OpenStreetMap or French: the model accepts both,
models/opening_hours.py) with its French reading under it: that is the form
without JavaScript. static/opening-hours.js turns it into rows of days × time
ranges from the rows given here (data-schedule), and writes the OpenStreetMap
value back into the input."""
import json
import re

from markupsafe import Markup, escape
from wtforms import StringField

from models.opening_hours import parse_opening_hours, schedule_from_osm, to_french


def schedule_json(value):
    """The editor's rows for a value (OpenStreetMap or French), as JSON; '' when the
    value cannot be shown as rows (it then stays text)."""
    try:
        osm = parse_opening_hours(value) if (value or "").strip() else ""
    except ValueError:
        return ""
    schedule = schedule_from_osm(osm)
    if schedule is None:
        return ""
    return json.dumps({
        "rows": [{"days": list(row.days), "ranges": [list(r) for r in row.ranges], "closed": not row.ranges}
                 for row in schedule.rows],
        "holidays_closed": schedule.holidays_closed, "always": schedule.always,
        "appointment": schedule.appointment,
    })


def french_reading(value):
    """The French reading shown under the field: of the stored value, or of what was
    typed when it is understood."""
    try:
        return to_french(parse_opening_hours(value)) if (value or "").strip() else ""
    except ValueError:
        return ""


class OpeningHoursInput:
    """A text input, its French reading, and the place the editor is drawn in."""

    def __call__(self, field, **kwargs):
        value = field._value()
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("type", "text")
        french_id = f"{field.id}-french"
        kwargs["aria-describedby"] = " ".join(filter(None, (kwargs.get("aria-describedby"), french_id)))
        attributes = " ".join(f'{escape(k)}="{escape(v)}"' for k, v in kwargs.items() if v is not False)
        reading = french_reading(value)
        return Markup(
            f'<div class="hours-editor" data-hours-editor="{escape(field.id)}" '
            f'data-schedule="{escape(schedule_json(value))}"></div>'
            f'<input name="{escape(field.name)}" value="{escape(value)}" {attributes}>'
            f'<p class="hours-french small mb-1" id="{french_id}" aria-live="polite">'
            f'{"En clair : " + escape(reading) if reading else ""}</p>'
        )


class OpeningHoursField(StringField):
    widget = OpeningHoursInput()


# « 9 h–12 h », « lun.–ven. »: kept on one line in a narrow cell (a break after « – » misreads).
UNBROKEN_RE = re.compile(r"\d+\u202fh(?:\u202f\d\d)?–\d+\u202fh(?:\u202f\d\d)?|\w+\.–\w+\.")


def hours_formatter(view, context, model, name):
    """A grid or page cell: the hours in French."""
    text = escape(to_french(getattr(model, name)))
    return Markup(UNBROKEN_RE.sub(lambda m: f'<span class="text-nowrap">{m.group()}</span>', text))


def osm_hours_formatter(view, context, model, name):
    """The stored OpenStreetMap value (data·inclusion's), on a record's page."""
    return model.horaires_accueil or ""
