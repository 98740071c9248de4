"""Export of any grid's rows to XLSX: typed columns, streamed, constant cost.

The caller hands over the query (with its joins, search, filters and sort
already applied), the column names and, for the columns that are no field of
the model (SQL aliases, properties), their cell kind and value getter: this
module knows field types, never a model. Rows are read with one cursor
(`.iterator()`) and written with xlsxwriter's constant_memory mode, so neither
the SQL query count nor the memory grows with the number of rows.
"""
import re
from collections import namedtuple
from itertools import chain
from operator import attrgetter, itemgetter

from peewee import (
    Alias, BooleanField, DateField, DateTimeField, DecimalField, Field, FieldAlias, FloatField,
    ForeignKeyField, IntegerField,
)

from models.db import stream_rows
from models.fields import MoneyField, PhoneField, QuantityField, RateField, SlugListField
from models.formatting import ascii_fold, format_phone

from .spreadsheets import (
    Column, Formats, dated_filename, euro_total_row, open_workbook, set_properties, sheet_name,
    write_caption, write_table,
)

# Never leaves the building, whatever a grid lists.
# Secrets, and the record version (bookkeeping of the edit forms, not data).
NEVER_EXPORTED = {"password_hash", "session_token", "version"}

ExportColumn = namedtuple("ExportColumn", "name header kind value reads", defaults=(None,))
ExportColumn.__doc__ = """A grid column: its name, French header, cell kind and row → value getter;
`reads`, when known, is (attribute, convert or None): the value is convert(row.attribute)
(None stays None), which lets the export read the query's tuples and select only that."""


def read_column(name, header, kind, attribute, convert=None):
    """An ExportColumn whose value is convert(row.attribute)."""
    return ExportColumn(name, header, kind, _mapped(attrgetter(attribute), convert), (attribute, convert))


def _mapped(getter, function):
    if function is None:
        return getter

    def value(row):
        raw = getter(row)
        return None if raw is None else function(raw)

    return value


class Labels(dict):
    """code → label; an unknown code reads as itself (`labels.__getitem__` is one C call)."""

    def __missing__(self, key):
        return key


# Field class → cell kind, most specific first (MoneyField is a DecimalField…).
FIELD_KINDS = (
    (BooleanField, "bool"), (MoneyField, "euro"), (RateField, "percent"),
    (QuantityField, "number"), (DecimalField, "number"), (FloatField, "number"),
    (IntegerField, "integer"), (DateTimeField, "datetime"), (DateField, "date"),
)


def field_kind(field):
    """The cell kind of a model field (see spreadsheets.KIND_FORMATS)."""
    if isinstance(field, (SlugListField, PhoneField, ForeignKeyField)) or field.choices:
        return "text"
    return next((kind for cls, kind in FIELD_KINDS if isinstance(field, cls)), "text")


def field_convert(field):
    """stored value → exported value of `field`: labels for codes, text for links
    (None: as stored)."""
    if isinstance(field, SlugListField):
        labels = Labels(field.choices or ())
        return lambda values: ", ".join(map(labels.__getitem__, values))
    if field.choices:
        return Labels(field.choices).__getitem__
    if isinstance(field, ForeignKeyField):
        return str
    if isinstance(field, PhoneField):
        return format_phone
    return None


def grid_columns(model, names_and_headers, joined=(), computed=None, fallback=None):
    """ExportColumns for (name, header) pairs of a grid of `model`.

    `computed` maps a name to (cell kind, row → value, or the name of the
    row's attribute that holds it): the grid's own declaration, which wins over a field of the same name. A foreign key is
    exported only when `joined` names it (it was fetched in the same query: no
    query per row). `fallback(name)` gives a row → text getter for any other
    column; None leaves it out.
    """
    columns = []
    fields = model._meta.fields
    computed = computed or {}
    for name, header in names_and_headers:
        if name in NEVER_EXPORTED:
            continue
        field = fields.get(name)
        if name in computed:
            kind, value = computed[name]
            if isinstance(value, str):  # an attribute of the row (a SQL alias)
                columns.append(read_column(name, header, kind, value))
            else:
                columns.append(ExportColumn(name, header, kind, value))
        elif field is not None:
            if field.primary_key or (isinstance(field, ForeignKeyField) and name not in joined):
                continue
            columns.append(read_column(name, header, field_kind(field), name, field_convert(field)))
        elif fallback and fallback(name):
            columns.append(ExportColumn(name, header, "text", fallback(name)))
    return columns


def export_stem(title):
    """'Référent·e·s' → 'referents', 'Lignes budgétaires' → 'lignes-budgetaires'."""
    title = re.sub(r"·\w+·s\b", "s", title)
    title = title.replace("·", "")
    return re.sub(r"[^a-z0-9]+", "-", ascii_fold(title).lower()).strip("-") or "export"


def export_filename(title, day=None, qualifiers=()):
    """'Structures', ['RVC Poitiers'] → 'structures-rvc-poitiers-2026-12-01.xlsx'."""
    return dated_filename(export_stem(title), day=day,
                          qualifiers=[export_stem(q) for q in qualifiers if q])


def _picker(indexes):
    """row tuple → the tuple of its values at `indexes` (one C call)."""
    if len(indexes) == 1:
        index = indexes[0]
        return lambda row: (row[index],)
    return itemgetter(*indexes)


def _related(model, fields):
    """row tuple → an instance of `model` holding `fields` ((name, index) pairs),
    built without peewee's per-field descriptors."""
    names, pick = [name for name, _index in fields], _picker([index for _name, index in fields])

    def build(values):
        instance = model.__new__(model)
        instance.__data__ = dict(zip(names, pick(values)))
        instance._dirty, instance.__rel__ = set(), {}
        return instance
    return build


def tuple_layout(query):
    """Where a row's attributes lie in the tuples of `query` (a ModelSelect):
    (plain, related) — the main model's fields and the selected aliases as
    name → index, each joined model as its join's attribute → (model, [(field
    name, index)]). None when the query selects something else."""
    model = query.model
    joined = {dest: attr for dest, attr, *_ in query._joins.get(model, ())}
    plain, related = {}, {}
    for index, column in enumerate(query._returning):
        if isinstance(column, Alias):
            plain[column._alias] = index
        elif isinstance(column, Field) and column.model is model and not isinstance(column, FieldAlias):
            plain[column.name] = index
        elif isinstance(column, Field) and joined.get(column.model):
            name = column.field.name if isinstance(column, FieldAlias) else column.name
            related.setdefault(joined[column.model], (column.model, []))[1].append((name, index))
        else:
            return None
    return plain, related


def _related_builder(target, fields):
    return _related(getattr(target, "model", target), fields)


def tuple_row_class(query):
    """A light row class over the tuples of `query` (see tuple_layout): the main
    model's fields and the selected aliases as attributes, each joined model as
    the attribute its join names — what the grid's getters read — without
    building peewee model objects (a fifth of an export's time). None when the
    query selects something else."""
    layout = tuple_layout(query)
    if layout is None:
        return None
    plain, related = layout
    attributes = {"__slots__": ("_values",), "__init__": lambda self, values: setattr(self, "_values", values)}
    for name, index in plain.items():
        attributes[name] = property(lambda self, i=index: self._values[i])
    for attr, (target, fields) in related.items():
        build = _related_builder(target, fields)
        attributes[attr] = property(lambda self, build=build: build(self._values))
    return type("GridRow", (), attributes)


def narrowed_reading(query, columns):
    """When every column says what it reads (ExportColumn.reads): `query` selecting
    only that — and every alias, which its ORDER BY may name — and a row tuple →
    list of the columns' values function (see row_values: no row object). None otherwise."""
    layout = tuple_layout(query)
    if layout is None or not columns or any(column.reads is None for column in columns):
        return None
    plain, related = layout
    returning = query._returning
    wanted = {index for index, node in enumerate(returning) if isinstance(node, Alias)}
    for attribute, _convert in (column.reads for column in columns):
        if attribute in related:  # a foreign key reads as its joined record
            wanted.update(index for _name, index in related[attribute][1])
        elif attribute in plain:
            wanted.add(plain[attribute])
        else:
            return None
    kept = sorted(wanted)
    position = {old: new for new, old in enumerate(kept)}
    indexes, converted, joined = [], [], []
    for col, (attribute, convert) in enumerate(column.reads for column in columns):
        if attribute in related:
            target, fields = related[attribute]
            key = dict(fields).get(getattr(target, "model", target)._meta.primary_key.name)
            if key is None:
                return None  # no key to tell a missing record (a LEFT JOIN) from one
            indexes.append(position[key])
            record = _related_builder(target, [(name, position[index]) for name, index in fields])
            joined.append((col, _mapped(record, convert)))
        else:
            indexes.append(position[plain[attribute]])
            if convert is not None:
                converted.append((col, convert))
    return query.select(*(returning[index] for index in kept)), row_values(indexes, converted, joined)


def row_values(indexes, converted, joined):
    """row tuple → the list of the columns' values: the value at each column's index,
    then convert(value) for the (column, convert) pairs of `converted`, and for the
    (column, row → value) pairs of `joined` (a joined record, read where its key lies)
    that value when the key is not None (None stays None: a LEFT JOIN found nothing).
    One list and a call per converted cell: the export's per-row cost beyond writing."""
    pick = _picker(indexes)

    def values(row):
        cells = list(pick(row))
        for col, convert in converted:
            value = cells[col]
            if value is not None:
                cells[col] = convert(value)
        for col, record in joined:
            if cells[col] is not None:
                cells[col] = record(row)
        return cells

    return values


def grid_rows(query, columns):
    """Each row of `query` as the list of its `columns`' values: straight from
    tuples when every column says what it reads, else through light tuple rows
    when every getter reads them, else through peewee's objects."""
    narrowed = narrowed_reading(query, columns)
    if narrowed is not None:
        query, values = narrowed
        return map(values, stream_rows(query.tuples()))
    getters = [column.value for column in columns]
    row_class = tuple_row_class(query)
    if row_class is not None:
        rows = stream_rows(query.tuples())
        first = next(rows, None)
        if first is None:
            return iter(())
        head = _values_or_none(getters, row_class(first))
        if head is not None:
            return chain([head], ([value(row_class(row)) for value in getters] for row in rows))
        rows.close()  # a getter wants the model itself (a method, a property): objects below
    return ([value(row) for value in getters] for row in stream_rows(query))


def _values_or_none(getters, row):
    """The getters' values for a light tuple row, None when one of them needs more
    than the row's attributes."""
    try:
        return [value(row) for value in getters]
    except (AttributeError, TypeError, KeyError):
        return None


# Rows above a grid's table: its title, then the filters and who exported it.
GRID_HEADER_ROW = 3
TOTALLED_KINDS = {"euro", "integer", "number"}


def write_grid(target, query, columns, title, author=None, filters_text=None, totals=()):
    """Write the rows of `query` into a one-sheet workbook; return the row count.

    `target` is a path or a binary file; the query runs once, through a cursor.
    `totals` names the columns whose sum means something (a live SUM row under
    the table). The filters applied are written above the table.
    """
    workbook = open_workbook(target, constant_memory=True)
    formats = Formats(workbook, title=f"{title} — Maillage")
    set_properties(
        workbook, title=f"Maillage — {title}", author=author,
        comments=f"Filtres : {filters_text or 'aucun'}",
        custom={"Exporté par": author or "—", "Filtres": filters_text or "aucun"},
    )
    sheet = workbook.add_worksheet(sheet_name(title))
    write_caption(sheet, formats, title, [
        f"Filtres : {filters_text or 'aucun (toutes les fiches)'}",
        f"Exporté le {formats.day:%d/%m/%Y}" + (f" par {author}" if author else ""),
    ])
    sheet_columns = [Column(column.header, column.kind) for column in columns]
    header_row = GRID_HEADER_ROW
    rows = grid_rows(query, columns)
    count = write_table(sheet, sheet_columns, rows, formats, header_row)
    row_index = header_row + count
    total_cols = [col for col, column in enumerate(columns)
                  if column.name in totals and column.kind in TOTALLED_KINDS]
    if total_cols and count:
        integer = {col: formats.total_integer for col in total_cols if columns[col].kind != "euro"}
        label_col = next((col for col in range(len(columns)) if col not in total_cols), 0)
        euro_total_row(sheet, row_index + 1, label_col, total_cols, header_row + 1, row_index,
                       formats, cell_formats=integer)
    workbook.close()
    return count
