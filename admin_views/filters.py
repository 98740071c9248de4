"""Grid filters built from the model's code lists and rules."""
import re

from flask_admin.contrib.peewee import filters as peewee_filters
from flask_admin.contrib.peewee.filters import BasePeeweeFilter, FilterEqual
from peewee import SQL

from .fields import SearchLoader
from models.directory import Territory, tree_order, within_territory
from models.validation import parse_record_id
from models.validation import parse_date

YES_NO = (("1", "Oui"), ("0", "Non"))


# A filter on an id no record can have (a crafted "abc" or a 30-digit number) finds
# nothing: dropping it would list every row under a filter the user still sees.
NOTHING = SQL("1 = 0")


def choice_filter(field, choices=None):
    return FilterEqual(column=field, name=field.verbose_name, options=choices or field.choices)


class RelatedFilter(FilterEqual):
    """A related row picked by typing its name (the grid's /ajax/lookup/?name=filter:<arg>,
    admin_views/base.py): at most 20 matches in reading order, under the grid's own
    access rules. The page never carries the related table (10 000 structures)."""

    def __init__(self, field):
        super().__init__(column=field, name=field.verbose_name, options=None, data_type="select2-ajax")
        self.loader = SearchLoader(f"filter_{field.name}", field.rel_model)

    def apply(self, query, value, alias=None):
        return query.where(self.column == value if value is not None else NOTHING)

    def clean(self, value):
        return parse_record_id(value)  # None: no record can have it


def related_filter(field):
    """Pick a related row by name (RelatedFilter: type-ahead, options on demand)."""
    return RelatedFilter(field)


class TerritoryFilter(FilterEqual):
    """A territory and its sub-territories: « RVC Poitiers » also lists the rows of
    the bassins de vie inside it. Options in tree order, indented by depth."""

    def __init__(self, column):
        super().__init__(column=column, name="Territoire",
                         options=territory_options)

    def apply(self, query, value, alias=None):
        territory_id = parse_record_id(value)
        return query.where(within_territory(self.column, territory_id) if territory_id is not None else NOTHING)


TREE_INDENT = "\u2003"  # an em space per level: the list reads as a tree


def territory_options():
    territories = Territory.select(Territory.id, Territory.name, Territory.parent)
    return [(str(t.id), TREE_INDENT * depth + t.name) for t, depth in tree_order(list(territories))]


class ExpressionFilter(BasePeeweeFilter):
    """Oui / Non on an SQL condition, such as "trained" or "to review"."""

    def __init__(self, name, condition, column):
        super().__init__(column=column, name=name, options=YES_NO)
        self.condition = condition

    def apply(self, query, value):
        condition = self.condition()
        return query.where(condition if value == "1" else ~condition)

    def operation(self):
        return "est"


# Date filters read what the French date picker writes: « 15/01/2027 », and a period
# « 01/01/2027 au 31/12/2027 » (Flask-Admin's own 2027-01-15 and « … to … » still work).
PERIOD_SEPARATOR_RE = re.compile(r"\s+(?:au|to)\s+")


class FrenchDate:
    def clean(self, value):
        return parse_date(value)


class FrenchPeriod:
    def clean(self, value):
        return [parse_date(part) for part in PERIOD_SEPARATOR_RE.split(value.strip())]

    def validate(self, value):
        try:
            start, end = self.clean(value)
        except ValueError:  # not a date, or not two of them
            return False
        return start <= end


class DateEqualFilter(FrenchDate, peewee_filters.DateEqualFilter):
    def operation(self):  # « après le », not Flask-Admin's « plus grand que »
        return "le"


class DateNotEqualFilter(FrenchDate, peewee_filters.DateNotEqualFilter):
    def operation(self):  # « après le », not Flask-Admin's « plus grand que »
        return "sauf le"


class DateGreaterFilter(FrenchDate, peewee_filters.DateGreaterFilter):
    def operation(self):  # « après le », not Flask-Admin's « plus grand que »
        return "après le"


class DateSmallerFilter(FrenchDate, peewee_filters.DateSmallerFilter):
    def operation(self):  # « après le », not Flask-Admin's « plus grand que »
        return "avant le"


class DateBetweenFilter(FrenchPeriod, peewee_filters.DateBetweenFilter):
    def operation(self):  # « après le », not Flask-Admin's « plus grand que »
        return "du … au"


class DateNotBetweenFilter(FrenchPeriod, peewee_filters.DateNotBetweenFilter):
    def operation(self):  # « après le », not Flask-Admin's « plus grand que »
        return "hors de la période du … au"


class MaillageFilterConverter(peewee_filters.FilterConverter):
    """Flask-Admin's filters for each column type, with French dates."""

    date_filters = (
        DateEqualFilter, DateNotEqualFilter, DateGreaterFilter, DateSmallerFilter,
        DateBetweenFilter, DateNotBetweenFilter, peewee_filters.FilterEmpty,
    )
