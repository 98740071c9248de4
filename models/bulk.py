"""Changes applied to many records at once (the grids' list actions, a script).

Each function takes records (a list or a query), changes those not already in the
wanted state, saves each one through the model (`save()`: full_clean(), the audit
history with the actor of the moment, the version of optimistic locking) and returns
how many it changed. All in one transaction: a record refused (a rule it breaks, or
someone else's change since it was read) rolls back every change, and the error
names it.

`pending_condition` is the same "not already in the wanted state" as an SQL
condition, so that a page can count the records a run will change before it runs
(tests/unit/test_bulk_rules.py checks both forms agree).
"""
import datetime

from .db import database
from .directory import Territory
from .validation import ValidationError, parse_record_id

UNKNOWN_TERRITORY = ("Territoire inconnu (supprimé entre-temps\u00a0?)\u00a0: choisissez-en un "
                     "dans la liste. Rien n'a été modifié.")
NO_TERRITORY = "Choisissez le territoire où affecter ces fiches. Rien n'a été modifié."


def checked_values(today=None):
    """« Marquer comme vérifié »: the record was checked today."""
    return {"date_maj": today or datetime.date.today()}


def deactivated_values():
    """« Désactiver »."""
    return {"actif": False}


def territory_values(territory):
    """« Affecter à un territoire »: `territory` is a record, an id or the id as text
    (a form's value); an unknown one is refused in French."""
    if territory is None or territory == "":
        raise ValidationError({"territory": NO_TERRITORY})
    territory_id = getattr(territory, "id", None)
    if territory_id is None:
        territory_id = territory if isinstance(territory, int) else parse_record_id(territory)
    if territory_id is None or not Territory.select().where(Territory.id == territory_id).exists():
        raise ValidationError({"territory": UNKNOWN_TERRITORY})
    return {"territory": territory_id}


def _stored(record, name):
    """The value as stored: a foreign key's id, not the related record (no query)."""
    return record.__data__.get(name)


def _check_fields(model, values):
    missing = [name for name in values if name not in model._meta.fields]
    if missing:
        raise ValueError(f"{model.__name__} has no field {', '.join(missing)}: this action does not apply.")


def pending_condition(model, values):
    """SQL: the rows of `model` that `values` would change (a NULL differs from any value)."""
    _check_fields(model, values)
    condition = None
    for name, value in values.items():
        field = model._meta.fields[name]
        differs = (field != value) | field.is_null() if field.null or value is None else field != value
        condition = differs if condition is None else condition | differs
    return condition


def refused(record, error):
    """`error` (a ValidationError) restated to name the record it is about."""
    text = error.describe()
    prefix = f"{error.model._meta.verbose_name.capitalize()} — " if error.model else ""
    if prefix and text.startswith(prefix):
        text = text[len(prefix):]
    name = type(record)._meta.verbose_name
    return ValidationError({"__all__": (
        f"Rien n'a été modifié\u00a0: la fiche « {record} » ({name} n°\u00a0{record._pk}) "
        f"ne peut pas être enregistrée. {text}"
    )})


def apply_values(records, values):
    """Set `values` (field name → value) on each record that does not have them yet and
    save it; one transaction; returns the number of records changed."""
    records = list(records)  # read before the first write
    if records:
        _check_fields(type(records[0]), values)
    changed = 0
    with database.atomic():
        for record in records:
            if all(_stored(record, name) == value for name, value in values.items()):
                continue
            for name, value in values.items():
                setattr(record, name, value)
            try:
                record.save()
            except ValidationError as error:
                raise refused(record, error) from error
            changed += 1
    return changed


def mark_checked(records, today=None):
    """date_maj = today on each record; returns how many changed."""
    return apply_values(records, checked_values(today))


def deactivate(records):
    """actif = False on each record; returns how many changed."""
    return apply_values(records, deactivated_values())


def assign_territory(records, territory):
    """territory = `territory` (record or id) on each record; returns how many changed.
    An unknown territory: ValidationError, nothing changed."""
    return apply_values(records, territory_values(territory))
