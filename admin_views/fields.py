"""Form fields that read and show values the French way."""
from flask import request
from flask_admin.form import Select2Widget
from flask_admin.contrib.peewee.ajax import QueryAjaxModelLoader
from flask_admin.contrib.peewee.form import CustomModelConverter
from flask_admin.model.fields import AjaxSelectField
from wtfpeewee.fields import SelectChoicesField, SelectQueryField
from wtfpeewee.orm import ValueRequired
from wtforms import SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, StopValidation
from peewee import AutoField, ForeignKeyField, TextField

from models.db import in_label_order
from models.search import matches_words, text_columns
from models.fields import MoneyField, PhoneField, QuantityField, RateField, SlugListField
from models.formatting import format_number, format_phone
from models.privacy import FREE_TEXT_REMINDER
from models.validation import DATE_FORMATS, parse_decimal, parse_record_id


class FrenchDecimalField(StringField):
    """Accepts '26 400,50', '26400.50' or '26 400,50 €'."""

    def __init__(self, label=None, validators=None, places=2, **kwargs):
        for unused in ("max_digits", "decimal_places", "auto_round", "rounding", "places"):
            kwargs.pop(unused, None)
        super().__init__(label, validators, **kwargs)
        self.places = places

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip():
            self.data = parse_decimal(valuelist[0])  # ValueError → a field error

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return format_number(self.data, self.places).replace(" ", "\u00a0")


class PhoneInputField(StringField):
    def _value(self):
        return self.raw_data[0] if self.raw_data else format_phone(self.data)


class MaillageModelConverter(CustomModelConverter):
    """wtf-peewee's converter, taught Maillage's column types."""

    def __init__(self, view, additional=None):
        super().__init__(view, additional)
        # peewee 4's AutoField is not the PrimaryKeyField Flask-Admin expects:
        # a new inline row has no id yet.
        self.converters[AutoField] = self.handle_pk
        self.converters[MoneyField] = self.decimal_converter(2)
        self.converters[RateField] = self.decimal_converter(2)
        self.converters[QuantityField] = self.decimal_converter(3)
        self.converters[PhoneField] = self.handle_phone
        self.converters[SlugListField] = self.handle_slug_list

    def convert(self, model, field, field_args):
        # Codes (SIRET, code postal…) are typed with spaces, then normalised and
        # checked by the model: no raw length limit on them.
        name, unbound_field = super().convert(model, field, field_args)
        if unbound_field is None:
            return name, unbound_field
        if isinstance(field, TextField) and not isinstance(field, SlugListField):
            # Every free-text field of every form (notes, description, compte-rendu…).
            help_text = unbound_field.kwargs.get("description")
            unbound_field.kwargs["description"] = " ".join(filter(None, (help_text, FREE_TEXT_REMINDER)))
        if field_args and "validators" in field_args:
            # Validators a view gives replace wtf-peewee's "required" guess
            # (a cost line's amount may be computed from quantity × unit cost).
            unbound_field.kwargs["validators"] = list(field_args["validators"])
        elif getattr(field, "max_length", 255) < 255:
            unbound_field.kwargs["validators"] = [
                v for v in unbound_field.kwargs.get("validators", []) if not isinstance(v, Length)
            ]
        if unbound_field.field_class is SelectChoicesField and not field.null and field.default is None:
            # A required list with no default starts on « — choisir — », not on its first
            # value (a structure's typology was silently « CCAS »).
            validators = [v for v in unbound_field.kwargs.get("validators", []) if not isinstance(v, ValueRequired)]
            if not any(isinstance(v, Chosen) for v in validators):
                validators.insert(0, Chosen())
            unbound_field.kwargs.update(validators=validators, allow_blank=True, blank_text=CHOOSE)
        return name, unbound_field

    @staticmethod
    def decimal_converter(places):
        def convert(model, field, **kwargs):
            kwargs["filters"] = []
            kwargs["places"] = places
            return field.name, FrenchDecimalField(**kwargs)

        return convert

    def handle_foreign_key(self, model, field, **kwargs):
        loader = getattr(self.view, "_form_ajax_refs", {}).get(field.name)
        if isinstance(loader, SearchLoader) and loader.model is field.rel_model:
            return field.name, SearchPickerField(loader, required=not field.null, **kwargs)
        # The records to pick from, by name in alphabetical order (not in creation order).
        if field.choices is not None or loader is not None:
            return super().handle_foreign_key(model, field, **kwargs)
        if field.null:
            kwargs["allow_blank"] = True
        return field.name, SelectQueryField(query=in_label_order(field.rel_model), **kwargs)

    def handle_date(self, model, field, **kwargs):
        # Shown, typed and picked as 10/03/2026; a pasted 2026-03-10 is read too.
        kwargs["format"] = list(DATE_FORMATS)
        kwargs["render_kw"] = {"data-date-format": "DD/MM/YYYY", "placeholder": "jj/mm/aaaa"}
        # wtf-peewee's ValueRequired would answer « requis » for 31/02/2027 (it wipes
        # the date's own error): InputRequired only asks that something was typed.
        kwargs["validators"] = [
            InputRequired(validator.message) if isinstance(validator, ValueRequired) else validator
            for validator in kwargs.get("validators", [])
        ]
        return super().handle_date(model, field, **kwargs)

    def handle_phone(self, model, field, **kwargs):
        return field.name, PhoneInputField(**kwargs)

    def handle_slug_list(self, model, field, **kwargs):
        kwargs.pop("filters", None)
        kwargs["default"] = []
        return field.name, SelectMultipleField(
            choices=field.choices, widget=Select2Widget(multiple=True), **kwargs
        )


# --- lists that start empty, related records picked by typing --------------------
CHOOSE = "— choisir —"
PICKER_PLACEHOLDER = "Tapez pour chercher…"
PICKER_MAX_RESULTS = 20  # per request of the type-ahead, whatever it asks


class Chosen:
    """A required list left on « — choisir — »: the view may name what to choose."""

    field_flags = {"required": True}

    def __init__(self, message="Choisissez une valeur dans la liste."):
        self.message = message

    def __call__(self, form, field):
        if field.data in (None, ""):
            raise StopValidation(self.message)


class SearchLoader(QueryAjaxModelLoader):
    """What a searchable picker offers for the words typed: at most 20 records whose
    names (Meta.label_fields) hold every word, accents and case aside, in reading
    order. Served by the view's /ajax/lookup/, under the view's own access rules."""

    def __init__(self, name, model):
        super().__init__(
            name, model, fields=text_columns(model) or [model._meta.primary_key],
            placeholder=PICKER_PLACEHOLDER, minimum_input_length=0,
        )

    def get_one(self, pk):
        record_id = parse_record_id(pk)
        if record_id is None:
            return None
        return self.model.get_or_none(self.model._meta.primary_key == record_id)

    def get_list(self, term, offset=0, limit=PICKER_MAX_RESULTS):
        query = in_label_order(self.model).order_by_extend(self.model._meta.primary_key)
        condition = matches_words(text_columns(self.model), term)
        if condition is not None:
            query = query.where(condition)
        limit = min(max(limit or PICKER_MAX_RESULTS, 1), PICKER_MAX_RESULTS)
        return list(query.offset(max(offset or 0, 0)).limit(limit))


class SearchPickerField(AjaxSelectField):
    """A related record picked by typing, empty until chosen. Whether one is required
    is the model's rule, said in its own words (« Choisissez la structure du ou de la
    référent·e. »): the form lets an empty or unknown choice through to it."""

    def __init__(self, loader, label=None, validators=None, required=False, **kwargs):
        kwargs.pop("allow_blank", None)
        validators = [v for v in validators or () if not isinstance(v, ValueRequired)]
        super().__init__(loader, label, validators, allow_blank=not required, **kwargs)
        self.required = required

    def process_formdata(self, valuelist):
        if valuelist:
            self._data = None
            self._formdata = valuelist[0] if valuelist[0] not in ("", "__None") else None

    def pre_validate(self, form):
        pass


def searchable_pickers(view):
    """form_ajax_refs for the view's foreign keys named by `view.searchable_pickers`
    (None: every foreign key of its form whose records have names)."""
    names = view.searchable_pickers
    if names is None:
        names = [column if isinstance(column, str) else column.name for column in view.form_columns or ()] or None
    return {
        field.name: SearchLoader(field.name, field.rel_model)
        for field in view.model._meta.sorted_fields
        if isinstance(field, ForeignKeyField) and field.rel_model._meta.label_fields
        and (names is None or field.name in names)
    }


def prefill_pickers(form):
    """A new record's form opened with ?structure=12: that record already chosen
    (« Ajouter un·e référent·e » from a structure's page)."""
    if request.method == "GET":
        for field in form:
            if isinstance(field, SearchPickerField) and field.name in request.args:
                record = field.loader.get_one(request.args[field.name])
                if record is not None:
                    field.data = record
    return form
