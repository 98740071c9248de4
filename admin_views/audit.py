"""/admin/auditentry/: the audit history of the whole panel, for administrators
only, read-only (no page or POST can create, edit or delete a row)."""
import datetime

from flask import abort
from flask_admin.contrib.peewee.filters import BasePeeweeFilter
from markupsafe import Markup

from models import ALL_MODELS
from models.audit import AuditEntry
from models.formatting import format_datetime, paris_time

from .access import ADMIN
from .base import MaillageModelView
from .filters import FrenchDate, FrenchPeriod, choice_filter
from .history import describe_changes

MODELS_BY_NAME = {model.__name__: model for model in ALL_MODELS}
# Flask-Admin's routes that write: refused even to administrators.
WRITE_VIEWS = frozenset({"create_view", "edit_view", "delete_view", "action_view", "ajax_update"})


def _day_start(day):
    return datetime.datetime.combine(day, datetime.time())


class DayFilter(FrenchDate, BasePeeweeFilter):
    """A UTC day: every row written from 00:00 to 24:00."""

    def __init__(self, column, name):
        super().__init__(column, name, data_type="datepicker")

    def apply(self, query, value):
        start = _day_start(value)
        return query.where((self.column >= start) & (self.column < start + datetime.timedelta(days=1)))

    def operation(self):
        return "le"


class DayPeriodFilter(FrenchPeriod, BasePeeweeFilter):
    """From the first day's 00:00 to the last day's 24:00 (UTC)."""

    def __init__(self, column, name):
        super().__init__(column, name, data_type="daterangepicker")

    def apply(self, query, value):
        start, end = value
        return query.where((self.column >= _day_start(start))
                           & (self.column < _day_start(end) + datetime.timedelta(days=1)))

    def operation(self):
        return "du … au"


def _local_time_formatter(view, context, entry, name):
    return format_datetime(entry.created_at, utc=True)


def model_label(name):
    """'FundingLine' → 'Ligne de financement': the kind of record in the users' words."""
    verbose_name = getattr(getattr(MODELS_BY_NAME.get(name), "_meta", None), "verbose_name", None)
    return verbose_name.capitalize() if verbose_name else name


def _model_formatter(view, context, entry, name):
    return model_label(entry.model)


def _changes_formatter(view, context, entry, name):
    lines = describe_changes(MODELS_BY_NAME.get(entry.model), entry)
    if entry.action == "update":
        return Markup("<br>").join(Markup("<strong>{}</strong> : {} → {}").format(*line) for line in lines)
    return Markup("<br>").join(Markup("<strong>{}</strong> : {}").format(*line[:2]) for line in lines)


def changes_text(entry):
    """The changes as lines of text, for the XLSX export (linked records by number:
    no query per row)."""
    lines = describe_changes(MODELS_BY_NAME.get(entry.model), entry, named_links=False)
    return "\n".join(f"{label} : {before}" + (f" → {after}" if entry.action == "update" else "")
                     for label, before, after in lines)


class AuditEntryView(MaillageModelView):
    access_level = ADMIN
    can_create = False
    can_edit = False
    can_delete = False
    action_disallowed_list = ["delete"]
    column_list = ("created_at", "actor", "action", "model", "record_id", "label", "detail")
    column_details_list = ("created_at", "actor", "action", "model", "record_id", "label", "changes",
                           "detail")
    column_searchable_list = ("actor", "label", "detail", "model")
    column_default_sort = ("created_at", True)
    column_formatters = {"created_at": _local_time_formatter, "model": _model_formatter}
    column_formatters_detail = {**column_formatters, "changes": _changes_formatter}
    column_labels = {"created_at": "Date et heure (heure de Paris)"}
    column_export_computed = {"changes": ("text", changes_text),
                              "created_at": ("datetime", lambda entry: paris_time(entry.created_at))}
    column_filters = (
        choice_filter(AuditEntry.action),
        choice_filter(AuditEntry.model, sorted(((name, model_label(name)) for name in MODELS_BY_NAME),
                                               key=lambda choice: choice[1])),
        "actor", "record_id",
        DayFilter(AuditEntry.created_at, "Date (UTC)"),
        DayPeriodFilter(AuditEntry.created_at, "Date (UTC)"),
    )

    def _handle_view(self, name, **kwargs):
        refused = super()._handle_view(name, **kwargs)
        if refused is not None:
            return refused
        if name in WRITE_VIEWS:
            abort(403)  # the history is never edited from the panel
        return None

    def is_action_allowed(self, name):
        return False
