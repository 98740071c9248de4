"""Grid filters built from the model's code lists and rules."""
from flask_admin.contrib.peewee.filters import BasePeeweeFilter, FilterEqual

from models.db import label_columns
from models.formatting import ascii_fold

YES_NO = (("1", "Oui"), ("0", "Non"))


def choice_filter(field, choices=None):
    return FilterEqual(column=field, name=field.verbose_name, options=choices or field.choices)


def related_filter(field):
    """Pick a related row by name, in alphabetical order; the options are read
    at each request (see MaillageModelView._get_filter_groups)."""
    related = field.rel_model

    def options():
        rows = related.select(*label_columns(related))
        return sorted(((str(row.id), str(row)) for row in rows),
                      key=lambda option: ascii_fold(option[1]).lower())

    return FilterEqual(column=field, name=field.verbose_name, options=options)


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
