"""An import is confirmed once: two confirmations at the same moment (a double
click, two tabs) import the file once, and the second says it was already done."""
import threading

import pytest

from models import Structure, database
from tests.helpers import CSRF_RE, confirm_import, upload_import

URL = "/admin/structure/import/"
LINES = 30


def _thirty_structures():
    lines = ["Nom;Typologie;Commune"] + [f"Structure {n:02d};CCAS;Poitiers" for n in range(LINES)]
    return "\n".join(lines).encode()


def _count():
    with database.connection_context():
        return Structure.select().count()


def _confirm_twice_at_once(app, cookie, token):
    """Two clients holding the same session cookie post the confirmation together."""
    barrier = threading.Barrier(2)
    responses = [None, None]

    def post(index):
        client = app.test_client()
        client.set_cookie("session", cookie)
        barrier.wait()
        responses[index] = client.post(URL + "confirmer/", data={"csrf_token": token},
                                       follow_redirects=True)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


@pytest.mark.parametrize("attempt", range(3))
def test_two_confirmations_at_once_import_once(app, as_role, attempt):
    editor = as_role("editor")
    preview = upload_import(editor, URL, _thirty_structures(), "partenaires.csv")
    assert preview.status_code == 200 and "30 à créer" in preview.get_data(as_text=True)
    token = CSRF_RE.search(preview.data).group(1).decode()
    responses = _confirm_twice_at_once(app, editor.client.get_cookie("session").value, token)
    assert [r.status_code for r in responses] == [200, 200]
    assert _count() == LINES
    texts = sorted((r.get_data(as_text=True) for r in responses), key=lambda t: "déjà" in t)
    assert "Import terminé : 30 fiche(s) créée(s)" in texts[0]
    assert "Cet import a déjà été confirmé" in texts[1]


def test_a_confirmation_replayed_later_says_the_import_was_done(as_role):
    editor = as_role("editor")
    preview = upload_import(editor, URL, _thirty_structures(), "partenaires.csv")
    token = CSRF_RE.search(preview.data).group(1).decode()
    cookie = editor.client.get_cookie("session").value
    first = editor.client.post(URL + "confirmer/", data={"csrf_token": token})
    assert first.status_code == 302 and _count() == LINES
    # The same request again, with the cookie from before the first answer (another tab).
    editor.client.set_cookie("session", cookie)
    second = editor.client.post(URL + "confirmer/", data={"csrf_token": token}, follow_redirects=True)
    page = second.get_data(as_text=True)
    assert second.status_code == 200 and _count() == LINES
    assert "Cet import a déjà été confirmé" in page and '<a href="/admin/structure/">Voir la liste</a>' in page


def test_confirming_without_a_preview_is_refused(as_role):
    editor = as_role("editor")
    response = confirm_import(editor, URL, follow_redirects=True)
    assert "Aucun import en attente" in response.get_data(as_text=True)
    assert _count() == 0
