"""Form fields that read and show values the French way."""
from flask_admin.form import Select2Widget
from flask_admin.contrib.peewee.form import CustomModelConverter
from wtfpeewee.fields import SelectQueryField
from wtfpeewee.orm import ValueRequired
from wtforms import SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length
from peewee import AutoField, TextField

from models.db import in_label_order
from models.fields import MoneyField, PhoneField, QuantityField, RateField, SlugListField
from models.formatting import format_number, format_phone
from models.privacy import FREE_TEXT_REMINDER
from models.validation import DATE_FORMATS, parse_decimal


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
        return name, unbound_field

    @staticmethod
    def decimal_converter(places):
        def convert(model, field, **kwargs):
            kwargs["filters"] = []
            kwargs["places"] = places
            return field.name, FrenchDecimalField(**kwargs)

        return convert

    def handle_foreign_key(self, model, field, **kwargs):
        # The records to pick from, by name in alphabetical order (not in creation order).
        if field.choices is not None or field.name in getattr(self.view, "_form_ajax_refs", {}):
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
