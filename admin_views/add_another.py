"""« Enregistrer et créer une autre fiche » keeps the parent records chosen: the next
form opens with the same structure (a référent·e's), the same training (a presence's)…,
through the address the picker prefill reads (fields.prefill_pickers: ?structure=12)."""
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import request
from peewee import ForeignKeyField

from models.validation import parse_record_id


def kept_choices(view):
    """The form's foreign keys whose choice the next form keeps: the view's
    `kept_on_add_another`, else every foreign key of the form."""
    kept = getattr(view, "kept_on_add_another", None)
    if kept is None:
        fields = view.model._meta.fields
        kept = [name for name in (view.form_columns or fields)
                if isinstance(fields.get(name), ForeignKeyField)]
    return kept


def keep_parent_choices(view, response):
    """The redirection after « Enregistrer et créer une autre fiche », with the parents
    chosen in the form just saved added to the next form's address."""
    if (request.method != "POST" or "_add_another" not in request.form
            or getattr(response, "status_code", None) != 302):
        return response
    chosen = [(name, request.form[name]) for name in kept_choices(view)
              if parse_record_id(request.form.get(name, "")) is not None]
    if chosen:
        parts = urlsplit(response.location)
        query = [(k, v) for k, v in parse_qsl(parts.query) if k not in dict(chosen)] + chosen
        response.location = urlunsplit(parts._replace(query=urlencode(query)))
    return response
