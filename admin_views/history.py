"""The audit history in the panel: who is acting (set at each request), and the
« Historique » page of one record (models/audit.py writes the rows)."""
import datetime
from decimal import Decimal, InvalidOperation

from flask import abort, g, has_request_context, request
from flask_login import current_user, user_logged_in, user_logged_out
from peewee import BooleanField, DateField, DecimalField, ForeignKeyField

from models import User
from models.audit import (
    ACTIONS, ANONYMOUS, MASKED, history_of, record_event, reset_actor, set_actor,
)
from models.fields import MoneyField, SlugListField
from models.formatting import format_date, format_euros, format_number
from models.validation import parse_record_id

from .auth import client_address

HISTORY_LIMIT = 200
EMPTY = "(vide)"


def web_actor():
    """The logged-in user's email, read when something is written."""
    if has_request_context() and current_user.is_authenticated:
        return current_user.email
    return ANONYMOUS


def _logged_in(app, user):
    record_event("login", User, user.account, actor=user.email, detail=f"Adresse : {client_address()}")


def _logged_out(app, user):
    record_event("logout", User, user.account, actor=user.email, detail=f"Adresse : {client_address()}")


def register_audit(app):
    """Every write made while serving a request is signed by the logged-in user;
    logins and logouts are recorded (failed logins: admin_views/auth.py)."""
    user_logged_in.connect(_logged_in, app)
    user_logged_out.connect(_logged_out, app)

    @app.before_request
    def sign_writes():
        g.audit_actor_token = set_actor(web_actor)

    @app.teardown_request
    def stop_signing(_error):
        token = g.pop("audit_actor_token", None)
        if token is not None:
            reset_actor(token)


def display_value(field, value, named_links=True):
    """A recorded value (as JSON holds it) the way the panel shows it; a linked
    record by its name (one query), or by its number when not `named_links`."""
    if value is None or value == []:
        return EMPTY
    if field is None or value == MASKED:
        return str(value)
    if isinstance(field, ForeignKeyField):
        if not named_links:
            return f"n° {value}"
        related = field.rel_model.get_or_none(field.rel_model._meta.primary_key == value)
        return str(related) if related is not None else f"n° {value} (supprimé·e depuis)"
    labels = dict(field.choices or ())
    if isinstance(field, SlugListField):
        return ", ".join(labels.get(item, item) for item in value)
    if labels:
        return labels.get(value, value)
    if isinstance(field, BooleanField):
        return "Oui" if value else "Non"
    try:
        if isinstance(field, DateField):
            return format_date(datetime.date.fromisoformat(value))
        if isinstance(field, MoneyField):
            return format_euros(Decimal(value))
        if isinstance(field, DecimalField):
            return format_number(Decimal(value), 0 if Decimal(value) == int(Decimal(value)) else 2)
    except (TypeError, ValueError, InvalidOperation):
        return str(value)  # recorded before the column changed type: shown as it was
    return str(value)


def describe_changes(model, entry, named_links=True):
    """(label, before, after) per field for an update; (label, value, None) otherwise."""
    fields = model._meta.fields if model is not None else {}
    lines = []
    for name, value in entry.changes_dict.items():
        field = fields.get(name)
        label = field.verbose_name if field is not None else name
        if entry.action == "update":
            before, after = value
            lines.append((label, display_value(field, before, named_links),
                          display_value(field, after, named_links)))
        else:
            lines.append((label, display_value(field, value, named_links), None))
    return lines


def history_page(view):
    """/admin/<model>/historique/?id=N: the record's rows, newest first."""
    record_id = parse_record_id(request.args.get("id"))
    if record_id is None:
        abort(404)
    model = view.model
    record = view.get_one(record_id)
    entries = list(history_of(model.__name__, record_id).limit(HISTORY_LIMIT + 1))
    if record is None and not entries:
        abort(404)
    return view.render(
        "audit_history.html", record=record, record_id=record_id,
        label=str(record) if record is not None else entries[0].label,
        entries=[(entry, describe_changes(model, entry)) for entry in entries[:HISTORY_LIMIT]],
        truncated=len(entries) > HISTORY_LIMIT, limit=HISTORY_LIMIT, actions=dict(ACTIONS),
    )
