"""A grid row's cells, written in Python: the checkbox, the buttons (voir, modifier,
supprimer, a view's own links) and the values. Flask-Admin's list.html calls a Jinja
macro per button and per cell; at 20 rows that was 40 % of a grid page's server time.
The HTML is Flask-Admin 2.2's (list.html and row_actions.html), but for the delete
button (below). Compare with Flask-Admin's list.html when upgrading it."""
from flask import g
from flask_admin.babel import gettext
from flask_admin.model.template import (
    DeleteRowAction, EditRowAction, EndpointLinkRowAction, ViewRowAction,
)
from markupsafe import Markup, escape

# Button → (the endpoint it opens, its icon); the record's id and the grid's address go along.
RECORD_LINKS = {
    ViewRowAction: (".details_view", "fa fa-eye glyphicon glyphicon-eye-open"),
    EditRowAction: (".edit_view", "fa fa-pencil glyphicon glyphicon-pencil"),
}


def grid_row(view, context, row):
    """The <td> cells of `row` in the grid `view` renders with the Jinja `context`."""
    pages = g.setdefault("grid_pages", {})  # a row's Jinja context is new at each row
    page = pages.get(view.endpoint) or pages.setdefault(view.endpoint, GridPage(view, context))
    row_id = view.get_pk_value(row)
    cells = [page.checkbox.format(id=escape(row_id))] if page.checkbox else []
    if view.column_display_actions:
        buttons = " ".join(page.button(action, row_id, row) for action in page.actions)  # spaced as in Flask-Admin
        cells.append(f'<td class="list-buttons-column">{buttons}</td>')
    for name, opening in page.columns:
        cells.append(f"{opening}{escape(view.get_list_value(context, row, name))}</td>")
    return Markup("".join(cells))


class GridPage:
    """What every row of one grid page repeats: read, translated and escaped once."""

    def __init__(self, view, context):
        self.view, self.context = view, context
        self.return_url = context.resolve("return_url")
        self.actions = context.resolve("list_row_actions")
        self.columns = [(name, f'<td class="col-{escape(name)}">') for name, _label in context.resolve("list_columns")]
        self.checkbox = (
            '<td><input type="checkbox" name="rowid" class="action-checkbox" value="{id}" '
            f'title="{escape(gettext("Select record"))}"></td>'
        ) if context.resolve("actions") else ""
        self.delete_form = None  # built at the first row that has the button

    def button(self, action, row_id, row):
        view = self.view
        if type(action) in RECORD_LINKS:
            endpoint, icon = RECORD_LINKS[type(action)]
            return _link(action, view.get_url(endpoint, id=row_id, url=self.return_url), icon)
        if isinstance(action, EndpointLinkRowAction):
            url = view.get_url(action.endpoint, **{**(action.url_args or {}), action.id_arg: row_id})
            return _link(action, url, action.icon_class)
        if isinstance(action, DeleteRowAction):
            if self.delete_form is None:
                self.delete_form = _delete_form(view, self.context, self.return_url)
            return self.delete_form.format(id=escape(row_id))
        return str(action.render(self.context, row_id, row))  # another kind: its own template macro


def _link(action, url, icon):
    return (f'<a class="icon" href="{escape(url)}" title="{escape(action.title or "")}">'
            f'<span class="{escape(icon)}"></span></a>')


def _delete_form(view, context, return_url):
    """A form of plain inputs with the page's one CSRF token (wtforms fields for each row
    cost a fifth of the page and repeated the same element ids); maillage-csp.js asks
    for the confirmation, since the Content-Security-Policy refuses inline handlers.
    The record's id is left as {id}."""
    token = getattr(context.resolve("delete_form"), "csrf_token", None)
    token_input = f'<input name="csrf_token" type="hidden" value="{escape(token._value())}">' if token else ""
    return (f'<form class="icon" method="POST" action="{escape(view.get_url(".delete_view"))}">'
            '<input name="id" type="hidden" value="{id}">'
            f'<input name="url" type="hidden" value="{escape(return_url)}">{token_input}'
            f'<button data-confirm="{escape(gettext("Are you sure you want to delete this record?"))}" '
            f'title="{escape(gettext("Delete Record"))}"><span class="fa fa-trash glyphicon glyphicon-trash"></span>'
            '</button></form>')
