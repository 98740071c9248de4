"""XLSX download of a grid, exactly as the grid shows it (search, filters, sort)."""
import logging
import tempfile

from flask import abort, send_file
from flask_login import current_user
from markupsafe import Markup

from models.grid_export import export_filename, grid_columns, write_grid

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

audit_log = logging.getLogger("maillage.exports")


def describe_list_arguments(view, view_args):
    """The search, filters and sort of a grid request, in French."""
    parts = []
    if view_args.search:
        parts.append(f"recherche « {view_args.search} »")
    for index, _name, value in view_args.filters or ():
        flt = view._filters[index]
        labels = {str(code): label for code, label in (flt.get_options(view) or ())}
        parts.append(f"{flt.name} {flt.operation()} {labels.get(str(value), value)}")
    sort = view._get_column_by_idx(view_args.sort)
    if sort is not None:
        parts.append(f"tri : {sort[1]}{' (décroissant)' if view_args.sort_desc else ''}")
    return " ; ".join(parts)


def _formatted_text(view, name):
    """row → the grid's own display of a computed column, as plain text."""
    formatter = (view.column_formatters_export or {}).get(name)
    if formatter is None:
        return None

    def value(row):
        shown = formatter(view, None, row, name)
        return shown.striptags() if isinstance(shown, Markup) else shown

    return value


def export_columns(view):
    """The grid's columns, then the useful ones only shown on a record's page."""
    names = dict(view.get_list_columns())
    for name, header in view.get_details_columns():
        names.setdefault(name, header)
    return grid_columns(
        view.model, names.items(), joined=set(view.list_joins),
        fallback=lambda name: _formatted_text(view, name),
    )


def export_grid(view, export_type):
    """Stream the grid's rows (all pages) as an XLSX file; log who took what."""
    if export_type != "xlsx":
        abort(404)
    view_args = view._get_list_extra_args()
    sort = view._get_column_by_idx(view_args.sort)
    _count, query = view.get_list(
        0, sort[0] if sort else None, view_args.sort_desc, view_args.search,
        view_args.filters, execute=False, page_size=0,
    )
    filters_text = describe_list_arguments(view, view_args)
    output = tempfile.TemporaryFile()
    rows = write_grid(
        output, query, export_columns(view), view.name, author=current_user.email,
        filters_text=filters_text,
    )
    audit_log.info(
        "Export XLSX : utilisateur=%s modèle=%s filtres=%s lignes=%d",
        current_user.email, view.model.__name__, filters_text or "aucun", rows,
    )
    output.seek(0)
    return send_file(
        output, mimetype=XLSX_MIMETYPE, as_attachment=True,
        download_name=export_filename(view.name),
    )
