"""Input no field may hold, refused once for every page: a NUL character.

PostgreSQL cannot store or even compare a text holding U+0000 (a search for
"%00" was a 500 on every grid), and no one types it: it only comes from a forged
address or a damaged file. So every request is checked before any view runs, in
its address, its query-string parameters, its form fields and the names of the
files it uploads, and refused with a 400 French page; nothing is read or written.
Refused rather than stripped: stripping would silently change what was sent (a
search for "a\\0b" would find "ab"), and a refusal says what happened. The text of
an uploaded CSV file is checked by its reader (documents/importing/reading.py).
"""
from flask import render_template, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

NUL = "\x00"
NUL_TITLE = "Caractère interdit"
NUL_MESSAGE = (
    "Caractère interdit (NUL) dans l'adresse ou le formulaire envoyé\u00a0: rien n'a été modifié. "
    "Retapez la valeur au clavier plutôt que de la coller depuis un autre logiciel."
)


def _sent_texts():
    """Every text the request carries: address, parameters, fields, file names."""
    yield request.path
    try:
        form, files = request.form, request.files
    except RequestEntityTooLarge:  # the view answers it (its own French page)
        form = files = MultiDict()
    for values in (request.args, form):
        for key, value in values.items(multi=True):
            yield key
            yield value
    for key, upload in files.items(multi=True):
        yield key
        yield upload.filename or ""


def refuse_nul():
    if any(NUL in text for text in _sent_texts()):
        return render_template("error_page.html", title=NUL_TITLE, message=NUL_MESSAGE), 400
    return None


def init_input_guard(app):
    app.before_request(refuse_nul)
