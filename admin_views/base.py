"""What every Maillage grid shares: access rules, French display, joined lists."""
import datetime
import json
from urllib.parse import quote as url_quote

from flask import Response, abort, flash, g, render_template, request, session
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.babel import gettext
from flask_admin.contrib.peewee import ModelView
from flask_admin.contrib.peewee.tools import parse_like_term
from flask_admin.contrib.peewee.form import InlineModelConverter, InlineModelFormList
from flask_admin.form import FormOpts, SecureForm
from flask_admin.helpers import get_redirect_target
from flask_admin.model import typefmt
from flask_admin.model.helpers import get_mdict_item_or_list
from jinja2 import pass_context
from markupsafe import Markup
from peewee import JOIN, CharField, Field, Node, NodeList, TextField
from wtforms import HiddenField

from models import ValidationError, database
from models.db import (
    ConflictError, VersionedModel, alphabetical, is_bookkeeping, is_sqlite, label_columns,
    reading_order,
)
from models.search import is_selective, matches_search, search_fields
from models.validation import parse_record_id
from models.fields import MoneyField, PhoneField, QuantityField, RateField, SlugListField
from models.formatting import (
    format_date, format_datetime, format_euros, format_number, format_percent, format_phone,
)

from .access import EDIT, AccessRules, user_may
from .exports import export_grid
from .add_another import keep_parent_choices
from .grid_rows import grid_row
from .fields import MaillageModelConverter, prefill_pickers, searchable_pickers
from .filters import MaillageFilterConverter
from .history import history_page


def _date_formatter(view, value, name):
    return format_date(value)


def _datetime_formatter(view, value, name):
    return format_datetime(value)


def _bool_formatter(view, value, name):
    return "Oui" if value else "Non"


RECORD_ID_MARK = "maillagerecordid"  # stands for the id in a URL built once for every row
SESSION_EXPIRED = "La session a expiré : rechargez la page et recommencez. Rien n'a été modifié."
READ_ONLY = ("Votre rôle permet de consulter ces fiches, pas de les créer ni de les modifier\u00a0: "
             "demandez à un·e éditeur·rice. Rien n'a été modifié.")

# Looked up in order with isinstance: a datetime is also a date, so it comes first.
TYPE_FORMATTERS = {
    **typefmt.BASE_FORMATTERS,
    datetime.datetime: _datetime_formatter,
    datetime.date: _date_formatter,
    bool: _bool_formatter,
}


def _value_formatter(function):
    def formatter(view, context, model, name):
        return function(getattr(model, name))

    return formatter


def _choice_formatter(choices):
    labels = dict(choices)
    return _value_formatter(lambda value: labels.get(value, value or ""))


def _slug_list_formatter(choices):
    labels = dict(choices)
    return _value_formatter(lambda values: ", ".join(labels.get(v, v) for v in values or []))


def field_formatter(field):
    """The French display of one column, chosen from its type."""
    if isinstance(field, SlugListField):
        return _slug_list_formatter(field.choices)
    if field.choices:
        return _choice_formatter(field.choices)
    if isinstance(field, MoneyField):
        return _value_formatter(format_euros)
    if isinstance(field, RateField):
        return _value_formatter(lambda value: format_percent(value, 2))
    if isinstance(field, QuantityField):
        return _value_formatter(lambda value: "" if value is None else format_number(value, 0 if value == int(value) else 2))
    if isinstance(field, PhoneField):
        return _value_formatter(format_phone)
    return None



# --- optimistic locking (models.db.VersionedModel): forms carry the version read ---
class VersionTokenField(HiddenField):
    """The record as the form showed it (VersionedModel.version_token), handed back
    at save: a save from a form opened before someone else's change is refused."""

    def populate_obj(self, obj, name):
        obj.expect_version(self.data)


class VersionedInlineList(InlineModelFormList):
    """Inline lines saved against the version their row showed. Flask-Admin's own
    would re-insert a line someone deleted meanwhile, and write a stale row over a
    line changed in its own grid; here both are refused (ConflictError, the whole
    save rolled back). A line deleted on both sides stays deleted."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "InlineModelFormList"  # the name Flask-Admin's save_inline looks for

    def save_related(self, obj):
        parent = getattr(self.model, self.prop)
        rows = {str(row._pk): row for row in self.model.select().where(parent == obj._pk)}
        for entry in self.entries:
            line_id = entry.get_pk()
            row = rows.get(str(line_id)) if line_id else None
            token = entry.form.version_token.data if "version_token" in entry.form else ""
            if line_id and row is None:
                if self.should_delete(entry):
                    continue
                raise ConflictError(self.model, line_id)
            if self.should_delete(entry):
                row.expect_version(token)
                try:
                    row.delete_with_dependents()
                except ConflictError:
                    raise
                except ValidationError as error:  # says which line could not go
                    raise ValidationError({"__all__": (
                        f"{self.model._meta.verbose_name.capitalize()} «\u00a0{row}\u00a0» — {error.describe()}")}) from None
                continue
            row = row or self.model()
            version_read = row.version
            entry.populate_obj(row, None)
            setattr(row, self.prop, obj._pk)
            if token and row.version == version_read and not row.changed_since(token):
                continue  # shown as it still is, and left as it was: nothing to write
            self.inline_view._on_model_change(entry, row, row._pk is None)
            row.save()

    def changes_since_opened(self, parent_id):
        """What others did to these lines since the form was opened, for the refusal
        message: (line, what happened, [(field label, value now)]) for each line
        changed, deleted or added."""
        parent = getattr(self.model, self.prop)
        rows = {str(row._pk): row for row in self.model.select().where(parent == parent_id)}
        name = self.model._meta.verbose_name
        changes = []
        for entry in self.entries:
            line_id = str(entry.get_pk() or "")
            row = rows.pop(line_id, None)
            if not line_id:
                continue
            if row is None:
                shown = self.model()
                entry.populate_obj(shown, None)
                setattr(shown, self.prop, parent_id)  # its label may name the parent (a presence)
                changes.append((f"{name.capitalize()} « {shown} »", "supprimée", []))
                continue
            token = getattr(entry.form, "version_token", None)
            changed = row.changed_since(token.data if token is not None else "")
            if changed:
                changes.append((f"{name.capitalize()} « {row} »", "modifiée", [
                    (row._meta.fields[field].verbose_name, shown_value(row, field)) for field in changed
                ]))
        changes.extend((f"{name.capitalize()} « {row} »", "ajoutée", []) for row in rows.values())
        return changes


class VersionedInlineConverter(InlineModelConverter):
    inline_field_list_type = VersionedInlineList

    def get_info(self, p):
        info = super().get_info(p)
        if issubclass(info.model, VersionedModel):
            info.form_extra_fields = {**(info.form_extra_fields or {}), "version_token": VersionTokenField()}
        return info


CONFLICT_VALUE_LENGTH = 300  # characters of a changed value shown in the message


def shown_value(record, name):
    """A field's value as the panel shows it, shortened for a message."""
    field = type(record)._meta.fields[name]
    value = getattr(record, name)
    formatter = field_formatter(field)
    if formatter:
        text = formatter(None, None, record, name)
    elif type(value) in TYPE_FORMATTERS:
        text = TYPE_FORMATTERS[type(value)](None, value, name)
    else:
        text = str(value)
    text = str(text or "")
    if not text:
        return "(vide)"
    return text if len(text) <= CONFLICT_VALUE_LENGTH else text[:CONFLICT_VALUE_LENGTH] + "…"


class MaillageModelView(AccessRules, ModelView):
    """Base of every grid: login required, roles enforced, French formats,
    and foreign keys fetched with one joined query whatever the page size."""

    form_base_class = SecureForm
    model_form_converter = MaillageModelConverter
    inline_model_form_converter = VersionedInlineConverter
    filter_converter = MaillageFilterConverter()
    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_detail = TYPE_FORMATTERS
    list_template = "grid_list.html"
    can_view_details = True
    can_set_page_size = True
    # 20 rows fill a laptop's screen (1366×768) with the filters above: 50 cost 50–65 %
    # more server time and twice the HTML for rows nobody sees (tests/bench_pages.py).
    page_size = 20
    details_modal = False
    # Foreign keys shown in the list; fetched in the same query as the rows.
    list_joins = ()
    # Every grid, viewers included, downloads its rows as XLSX (admin_views/exports.py).
    can_export = True
    export_types = ["xlsx"]
    # Columns that are no field (SQL aliases, properties): name → (cell kind of
    # documents.spreadsheets.KIND_FORMATS, row → value). Others export as shown.
    column_export_computed = {}

    def __init__(self, model, *args, **kwargs):
        # The version is bookkeeping for the forms (VersionTokenField): not shown, not exported;
        # the search text (models/search.py) is the application's own: never shown nor typed.
        hidden = [field.name for field in model._meta.sorted_fields if is_bookkeeping(field)]
        # The internal id (« N° 1 ») means nothing to a reader: not on a record's page (issue 10).
        self.column_details_exclude_list = [
            *(self.column_details_exclude_list or ()), "version", *hidden, model._meta.primary_key.name]
        self.column_exclude_list = [*(self.column_exclude_list or ()), *hidden]
        self.form_excluded_columns = [*(self.form_excluded_columns or ()), *hidden]
        formatters, labels = {}, {}
        for field in model._meta.sorted_fields:
            labels[field.name] = "N°" if field is model._meta.primary_key else field.verbose_name
            formatter = field_formatter(field)
            if formatter:
                formatters[field.name] = formatter
        self.column_formatters = {**formatters, **dict(self.column_formatters or {})}
        # Flask-Admin takes detail formatters instead of the list's: a view overrides only some.
        self.column_formatters_detail = {
            **self.column_formatters, **dict(self.column_formatters_detail or {})
        }
        self.column_labels = {**labels, **dict(self.column_labels or {})}
        super().__init__(model, *args, **kwargs)

    # Foreign keys picked by typing a few letters, empty until chosen (admin_views/fields.py):
    # every foreign key of the form, unless a view names its own (() for none).
    searchable_pickers = None

    def _process_ajax_references(self):
        self.form_ajax_refs = {**searchable_pickers(self), **dict(self.form_ajax_refs or {})}
        return super()._process_ajax_references()

    def create_form(self, obj=None):
        # ?structure=12 (a structure's page, « Enregistrer et créer une autre fiche »): chosen already.
        return self._in_declared_order(prefill_pickers(super().create_form(obj)))

    def edit_form(self, obj=None):
        return self._in_declared_order(super().edit_form(obj))

    def _in_declared_order(self, form):
        """Fields in form_columns' order: Flask-Admin puts form_extra_fields last."""
        order = {name: index for index, name in enumerate(self.form_columns or ())}
        form._fields = dict(sorted(form._fields.items(), key=lambda item: order.get(item[0], len(order))))
        return form

    def scaffold_form(self):
        form_class = super().scaffold_form()
        if issubclass(self.model, VersionedModel):
            form_class.version_token = VersionTokenField()
        return form_class

    def _get_filter_groups(self):
        # Flask-Admin reads filter options once, at start-up: read them at each
        # request, so a territory created or deleted since is offered or gone.
        self._refresh_filters_cache()
        return super()._get_filter_groups()

    def validate_form(self, form):
        valid = super().validate_form(form)
        csrf = getattr(form, "csrf_token", None)
        if not valid and csrf is not None and csrf.errors:
            flash(SESSION_EXPIRED, "error")
            csrf.errors = []  # said once, in French, instead of « CSRF Token: … » on a hidden field
            g.session_expired = True
        return valid

    def render(self, template, **kwargs):
        record = kwargs.get("model")
        if template in (self.edit_template, self.details_template) and record is not None:
            # The « Historique » link of maillage_master.html.
            kwargs.setdefault("record_history_url", self.get_url(".history_view", id=record._pk))
        if g.get("session_expired"):
            # Flask-Admin adds « corrigez les champs signalés » though no field is wrong.
            unmarked = {gettext("Failed to create record."), gettext("Failed to save record.")}
            session["_flashes"] = [(category, message) for category, message
                                   in session.get("_flashes", []) if message not in unmarked]
        return super().render(template, **kwargs)

    def get_url(self, endpoint, **kwargs):
        """url_for, built once per request for each set of arguments but the record's
        id: a grid page asks for two links per row (voir, modifier)."""
        record_id = kwargs.get("id")
        if record_id is None or not all(isinstance(value, (str, int)) for value in kwargs.values()):
            return super().get_url(endpoint, **kwargs)
        built = g.setdefault("urls_by_record", {})
        key = (self.endpoint, endpoint, tuple(sorted((k, v) for k, v in kwargs.items() if k != "id")))
        if key not in built:
            built[key] = super().get_url(endpoint, **{**kwargs, "id": RECORD_ID_MARK})
        return built[key].replace(RECORD_ID_MARK, url_quote(str(record_id), safe=""), 1)  # id comes first

    @pass_context
    def grid_row(self, context, row):
        return grid_row(self, context, row)

    def delete_form(self):
        form = super().delete_form()
        form.id.label.text = "Fiche à supprimer"  # named in Flask-Admin's "Id : …" messages
        return form

    def filtered_url(self, *conditions, **args):
        """The grid's address with filters set, as its filter menu would build it:
        each condition is (filter name, value) or (filter name, value, filter class)."""
        for position, (name, value, *kind) in enumerate(conditions):
            index, found = next(
                (index, flt) for index, flt in enumerate(self._filters)
                if str(flt.name) == name and (not kind or isinstance(flt, kind[0])))
            args[f"flt{position}_{self.get_filter_arg(index, found)}"] = value
        return self.get_url(f"{self.endpoint}.index_view", **args)  # from any page

    def search_placeholder(self):
        searched = self._searched_models()
        if searched:  # what the search text holds (phone numbers included)
            names = [getattr(source, "rel_model", source)._meta.fields[name].verbose_name
                     for source in searched for name in getattr(source, "rel_model", source)._meta.search_fields]
            return f"Rechercher : {', '.join(names)}"
        names = [
            name.verbose_name if isinstance(name, Field) else self.get_column_name(name)
            for name in self.column_searchable_list or ()
        ]
        return f"Rechercher : {', '.join(names)}" if names else "Rechercher"

    # --- access (AccessRules: who opens the grid; here: who writes) -------
    write_level = EDIT  # who creates, edits, deletes and runs actions (access.py levels)
    read_only_message = READ_ONLY  # what the others read when they open a form

    @property
    def can_create(self):
        return user_may(self.write_level)

    @property
    def can_edit(self):
        return user_may(self.write_level)

    @property
    def can_delete(self):
        return user_may(self.write_level)

    def is_action_allowed(self, name):
        return user_may(self.write_level) and super().is_action_allowed(name)

    # --- list query: one SELECT with the related rows ---------------------
    def _joined_tables(self):
        """Foreign key name → (foreign key, the table it joins: a copy of this table
        for a row's parent)."""
        if not hasattr(self, "_joined_tables_cache"):
            self._joined_tables_cache = {}
            for name in self.list_joins:
                foreign_key = getattr(self.model, name)
                target = foreign_key.rel_model
                self._joined_tables_cache[name] = (
                    foreign_key, target.alias() if target is self.model else target)
        return self._joined_tables_cache

    def get_query(self):
        query = self.model.select(self.model)
        for foreign_key, target in self._joined_tables().values():
            on = foreign_key == target.id if target is not foreign_key.rel_model else foreign_key
            # Sorted on a required reference (which always finds its row): an inner join,
            # which lets the database read the joined table first, in its reading-order
            # index. Otherwise a left join, which keeps the grid's own table first.
            inner = not foreign_key.null and g.get("maillage_sorted_on") == foreign_key.name
            kind = JOIN.INNER if inner else JOIN.LEFT_OUTER
            query = (
                query.select_extend(*label_columns(target))
                .switch(self.model)
                .join(target, kind, on=on, attr=foreign_key.name)
            )
        return query.switch(self.model)

    # --- search, count and page: one indexed search column, a lean COUNT ------------
    def _searched_models(self):
        """What the search box reads (models/search.py matches_search): this grid's
        search text, and through its foreign keys that of the joined tables its
        column_searchable_list names; None when one of them keeps none (Flask-Admin's
        LIKE on each column then)."""
        if not self.column_searchable_list:
            return None
        sources = []
        for column in self.column_searchable_list:
            model = self.model if isinstance(column, str) else column.model
            if model is not self.model:
                model = next((fk for fk, target in self._joined_tables().values() if target is model), None)
                if model is None:
                    return None
            if not any(source is model for source in sources):  # a field's == is SQL, not equality
                sources.append(model)
        models = [getattr(source, "rel_model", source) for source in sources]
        return sources if all(search_fields(model) is not None for model in models) else None

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        """Flask-Admin's get_list, with the search on the stored search text and a COUNT
        over the bare table (joined only to the tables a search or filter reads)."""
        g.maillage_sorted_on = sort_column  # a column name (get_query: the join to make inner)
        query = self.get_query()
        counted = self.model.select(self.model._meta.primary_key)
        counted_joins, joins = set(), set()
        searched = self._searched_models()
        g.maillage_searching = False  # per request: the view object is shared by threads
        if self._search_supported and search and searched:
            condition = matches_search(searched, search)
            if condition is not None:
                g.maillage_searching = is_selective(search)
                query, counted = query.where(condition), counted.where(condition)
        elif self._search_supported and search:
            for value in filter(None, search.split(" ")):
                term = parse_like_term(value)
                condition = None
                for field in self._search_fields:
                    query = self._handle_join(query, field, joins)
                    counted = self._count_join(counted, counted_joins, field.model)
                    condition = field ** term if condition is None else condition | (field ** term)
                query, counted = query.where(condition), counted.where(condition)
        for index, _name, value in filters or ():
            flt = self._filters[index]
            query = self._handle_join(query, flt.column, joins)
            counted = self._count_join(counted, counted_joins, getattr(flt.column, "model", self.model))
            value = flt.clean(value)
            query, counted = flt.apply(query, value), flt.apply(counted, value)
        count = None if self.simple_list_pager else counted.count()
        if sort_column is not None:
            order = [(self._sortable_columns[sort_column], sort_desc)]
        else:
            order = self._get_default_order()
        if order:
            query, joins = self._order_by(query, joins, order)
        page_size = self.page_size if page_size is None else page_size
        if page_size:
            query = query.limit(page_size)
        if page and page_size:
            query = query.offset(page * page_size)
        return count, list(query.execute()) if execute else query

    def _count_join(self, counted, joined, model):
        """`counted` (the COUNT's query) joined to `model` as get_query() joins it."""
        if model is self.model or model in joined:
            return counted
        for foreign_key, target in self._joined_tables().values():
            if target is model:
                on = foreign_key == target.id if target is not foreign_key.rel_model else foreign_key
                joined.add(model)
                return counted.switch(self.model).join(target, JOIN.LEFT_OUTER, on=on)
        joined.add(model)  # a table get_query() does not join: as Flask-Admin would
        return counted.switch(self.model).join(model, JOIN.LEFT_OUTER)

    def _filter_loader(self, arg):
        for index, flt in enumerate(self._filters or ()):
            if self.get_filter_arg(index, flt) == arg:
                return getattr(flt, "loader", None)
        return None

    @expose("/ajax/lookup/")
    def ajax_lookup(self):
        """The type-ahead of a picker or a grid filter (admin_views/fields.py SearchLoader):
        with ?id=N, the one record's [id, name] (a filter shows its chosen value)."""
        name = request.args.get("name", "")
        if name.startswith("filter:"):  # a grid filter's options (filters.RelatedFilter)
            loader = self._filter_loader(name.removeprefix("filter:"))
        else:
            loader = self._form_ajax_refs.get(name)
        if not loader:
            abort(404)
        if "id" not in request.args:
            query = request.args.get("query")
            offset = request.args.get("offset", 0, type=int)
            limit = request.args.get("limit", 10, type=int)
            return Response(json.dumps([loader.format(m) for m in loader.get_list(query, offset, limit)]),
                            mimetype="application/json")
        record = loader.get_one(request.args["id"])
        return Response(json.dumps([loader.format(record)] if record is not None else []),
                        mimetype="application/json")

    def _handle_join(self, query, field, joins):
        related = getattr(field, "model", None)
        if related in {fk.rel_model for fk, _ in self._joined_tables().values()}:
            return query  # already joined by get_query()
        return super()._handle_join(query, field, joins)

    def _get_default_order(self):
        # A grid that declares no order lists its rows as created (by id): without any
        # ORDER BY, PostgreSQL may repeat or skip rows from one page to the next.
        return super()._get_default_order() or [(self.model._meta.primary_key.name, False)]

    def _get_column_by_idx(self, idx):
        # A crafted ?sort= on a column the grid does not sort keeps the default order.
        column = super()._get_column_by_idx(idx)
        return column if column and column[0] in self._sortable_columns else None

    def _sort_clause(self, query, joins, sort_field, sort_desc):
        # Computed columns (totals) sort on their SQL alias.
        if isinstance(sort_field, Node) and not isinstance(sort_field, Field):
            return query, joins, sort_field.desc() if sort_desc else sort_field.asc()
        # A joined record sorts by its name, not by its id; text in alphabetical
        # order, case and accents aside; a coded column by the labels shown.
        field = getattr(self.model, sort_field, None) if isinstance(sort_field, str) else sort_field
        foreign_key, target = self._joined_tables().get(getattr(field, "name", None), (None, None))
        if foreign_key is not None and field is foreign_key:
            columns = [getattr(target, label) for label in target._meta.label_fields]
        elif isinstance(field, Field) and field.model is self.model:
            columns = [field]
        else:
            return super()._sort_clause(query, joins, sort_field, sort_desc)
        order = [reading_order(column) for column in columns]
        if g.get("maillage_searching") and is_sqlite():
            # A search with a long word keeps few rows: SQLite sorts them, rather than
            # walking the whole reading-order index and testing each row (it cannot tell
            # how many match).
            order = [alphabetical(column.concat("")) if isinstance(column, (CharField, TextField))
                     and not column.choices else sort for column, sort in zip(columns, order)]
        return query, joins, NodeList([o.desc() if sort_desc else o.asc() for o in order], ", ")

    def get_one(self, id):
        primary_key = parse_record_id(id)
        if primary_key is None:
            return None
        read = g.pop("maillage_record_read", None)  # by edit_view, just before
        if isinstance(read, self.model) and read._pk == primary_key:
            return read
        return self.model.get_or_none(self.model._meta.primary_key == primary_key)

    @expose("/historique/")
    def history_view(self):
        """The record's audit history (admin_views/history.py)."""
        return history_page(self)

    @expose("/export/<export_type>/")
    def export(self, export_type):
        return export_grid(self, export_type)

    # --- a form one may not use: said in French (Flask-Admin only redirects) ---
    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        if not self.can_create:
            flash(self.read_only_message, "error")
        return keep_parent_choices(self, super().create_view())  # admin_views/add_another.py

    # --- a save from a stale form (models.db.ConflictError) ---------------
    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        if not self.can_edit:
            flash(self.read_only_message, "error")
        record_id = get_mdict_item_or_list(request.args, "id")
        if request.method == "POST" and self.can_edit and record_id is not None:
            record = self.get_one(record_id)
            if record is None and parse_record_id(record_id) is not None:
                return self.deleted_while_editing(record_id)
            g.maillage_record_read = record
        return super().edit_view()

    def deleted_while_editing(self, record_id):
        """The posted form again, the user's input kept, once the record is gone."""
        flash(self.conflict_message(ConflictError(self.model, record_id)), "error")
        form = self.edit_form()
        form_opts = FormOpts(widget_args=self.form_widget_args, form_rules=self._form_edit_rules)
        return_url = get_redirect_target() or self.get_url(".index_view")
        return self.render(self.edit_template, model=None, form=form, form_opts=form_opts,
                           return_url=return_url)

    def conflict_message(self, error, form=None, record=None):
        """What someone else changed (or deleted) since the form was opened, the new
        values, and the way back; the user's input stays in the form."""
        main = error.model is self.model
        current = error.current
        if main:
            subject = "cette fiche"
        elif current is not None:
            subject = f"la {error.model._meta.verbose_name} « {current} »"
        else:
            subject = f"une {error.model._meta.verbose_name} de cette fiche"
        groups = []
        if main and error.changed:
            shown = {column for column, _label in self._details_columns}
            groups.append(("La fiche", "modifiée", [
                (error.model._meta.fields[field].verbose_name,
                 shown_value(current, field) if field in shown else None)
                for field in error.changed
            ]))
        if form is not None and record is not None:
            for field in form:
                if isinstance(field, VersionedInlineList):
                    groups.extend(field.changes_since_opened(record._pk))
        to_list = main and current is None  # nothing left to reload
        return Markup(render_template(
            "conflict.html", subject=subject, deleted=current is None, groups=groups,
            to_list=to_list, link=self.get_url(".index_view") if to_list else request.full_path,
        ))

    # --- writes: all or nothing, French messages --------------------------
    def on_model_change(self, form, model, is_created):
        try:
            model.full_clean()
        except ValidationError as error:
            for name, message in error.errors.items():
                if name in form:
                    form[name].errors = list(form[name].errors) + [message]
            raise

    def handle_view_exception(self, exc):
        if isinstance(exc, ConflictError):
            g.maillage_conflict = exc  # said by _all_or_nothing, once rolled back
            return True
        if isinstance(exc, ValidationError):
            flash(f"Enregistrement impossible. {exc.describe()}", "error")
            return True
        return super().handle_view_exception(exc)

    def create_model(self, form):
        return self._all_or_nothing(super().create_model, form)

    def update_model(self, form, model):
        return self._all_or_nothing(super().update_model, form, model)

    def _all_or_nothing(self, write, form, *model):
        with database.atomic() as transaction:
            done = write(form, *model)
            if not done:
                transaction.rollback()
        conflict = g.pop("maillage_conflict", None)
        if conflict is not None:  # read after the rollback: what others wrote, not ours
            flash(self.conflict_message(conflict, form, *model), "error")
        return done

    def delete_model(self, model):
        try:
            self.on_model_delete(model)
            model.delete_with_dependents()
        except ValidationError as error:
            flash(error.describe(), "error")
            return False
        self.after_model_delete(model)
        return True

    def selected(self, ids):
        """The records a list action was given; an id that cannot be one is ignored."""
        record_ids = [record_id for record_id in map(parse_record_id, ids) if record_id is not None]
        return self.model.select().where(self.model._meta.primary_key << record_ids)

    @action("delete", "Supprimer", "Supprimer les fiches sélectionnées ?")
    def action_delete(self, ids):
        deleted = 0
        try:
            with database.atomic():
                for model in self.selected(ids):
                    self.on_model_delete(model)
                    model.delete_with_dependents()
                    deleted += 1
        except ValidationError as error:
            flash(f"Aucune fiche supprimée. {error.describe()}", "error")
            return
        flash(f"{deleted} fiche(s) supprimée(s).", "success")


def badge(text, kind="secondary"):
    return Markup(f'<span class="badge badge-{kind}">{Markup.escape(text)}</span>')
