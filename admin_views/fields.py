"""Form fields that read and show values the French way."""
from flask_admin.form import Select2Widget
from flask_admin.contrib.peewee.form import CustomModelConverter
from wtforms import SelectMultipleField, StringField
from wtforms.validators import Length

from models.fields import MoneyField, PhoneField, QuantityField, RateField, SlugListField
from models.formatting import format_number, format_phone
from models.validation import parse_decimal


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
        self.converters[MoneyField] = self.decimal_converter(2)
        self.converters[RateField] = self.decimal_converter(2)
        self.converters[QuantityField] = self.decimal_converter(3)
        self.converters[PhoneField] = self.handle_phone
        self.converters[SlugListField] = self.handle_slug_list

    @staticmethod
    def decimal_converter(places):
        def convert(model, field, **kwargs):
            kwargs["filters"] = []
            kwargs["places"] = places
            return field.name, FrenchDecimalField(**kwargs)

        return convert

    def handle_phone(self, model, field, **kwargs):
        # '+33 5 49 00 00 00' is longer than the stored E.164 form: no length limit here.
        kwargs["validators"] = [v for v in kwargs["validators"] if not isinstance(v, Length)]
        return field.name, PhoneInputField(**kwargs)

    def handle_slug_list(self, model, field, **kwargs):
        kwargs.pop("filters", None)
        kwargs["default"] = []
        return field.name, SelectMultipleField(
            choices=field.choices, widget=Select2Widget(multiple=True), **kwargs
        )
