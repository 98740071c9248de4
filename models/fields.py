"""Column types used across the model."""
from decimal import ROUND_HALF_UP, Decimal

from peewee import CharField, DecimalField, TextField

from .formatting import CENT


class FixedDecimalField(DecimalField):
    """A Decimal column whose precision is set by the subclass, rounded on save
    half up like every figure (models.formatting.to_cents), not half even."""

    max_digits = 12
    decimal_places = 2

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", self.max_digits)
        kwargs.setdefault("decimal_places", self.decimal_places)
        kwargs.setdefault("auto_round", True)
        kwargs.setdefault("rounding", ROUND_HALF_UP)
        super().__init__(*args, **kwargs)


class MoneyField(FixedDecimalField):
    """Euros with cents, always a Decimal (never a float)."""

    def python_value(self, value):
        # SQLite hands back 36000 for 36000.00: keep the cents.
        value = super().python_value(value)
        return value.quantize(CENT) if isinstance(value, Decimal) else value


class RateField(FixedDecimalField):
    """A percentage such as 15.00 (for 15 %)."""

    max_digits = 5


class QuantityField(FixedDecimalField):
    """A quantity such as 1.5 ETP or 12 demi-journées."""

    max_digits = 10
    decimal_places = 3

    def python_value(self, value):
        value = super().python_value(value)
        # 1.000 ETP reads as 1, 0.500 as 0.5.
        return value.normalize() + Decimal(0) if isinstance(value, Decimal) else value


class SlugListField(TextField):
    """A list of data·inclusion slugs, stored comma-separated."""

    def db_value(self, value):
        if value is None:
            return None
        if isinstance(value, str):
            value = [value]
        return ",".join(sorted({v.strip() for v in value if v and v.strip()}))

    def python_value(self, value):
        return [v for v in (value or "").split(",") if v]


class PhoneField(CharField):
    """A French number stored in E.164 (+33549000000), or a short number (3919)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 16)
        super().__init__(*args, **kwargs)
