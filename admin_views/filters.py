"""Grid filters built from the model's code lists and rules."""
from flask_admin.contrib.peewee.filters import BasePeeweeFilter, FilterEqual

from models.db import in_label_order

YES_NO = (("1", "Oui"), ("0", "Non"))


def choice_filter(field, choices=None):
    return FilterEqual(column=field, name=field.verbose_name, options=choices or field.choices)


def related_filter(field):
    """Pick a related row by name, in alphabetical order; the options are read
    at each request (see MaillageModelView._get_filter_groups)."""
    related = field.rel_model

    def options():
        return [(str(row.id), str(row)) for row in in_label_order(related)]

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
