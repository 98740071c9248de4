"""« Saisir les présences » through the Flask test client: /admin/training/presences/?id=N
lists the training's territory and sub-territories, saves the ticks once, refuses a
stale sheet, a viewer's save and bad input in French with nothing written."""
import re
from html import unescape

import pytest

from models import Attendance, AuditEntry, database
from tests.helpers import (
    QueryCounter, form_of, make_attendance_network, make_referent, make_structure, page_messages,
)


@pytest.fixture
def network():
    return make_attendance_network()


def sheet_url(network):
    return f"/admin/training/presences/?id={network['training'].id}"


def listed_names(html):
    return [unescape(re.sub(r"<[^>]+>", "", name)).strip() for name in
            re.findall(r'<label class="sheet-name mb-0" for="present-\d+">(.*?)</label>', html, re.S)]


def open_sheet(browser, url):
    response = browser.get(url)
    assert response.status_code == 200, response.status_code
    return form_of(response)


def post_sheet(browser, url, form, present=(), evaluations=None, remove=(), **extra):
    """The sheet as a browser posts it: every listed id, the ticked ones, the evaluations."""
    values = {name: list(v) for name, v in form.values.items()
              if name not in ("present", "remove") and not name.startswith("evaluation-")}
    values["present"] = [str(i) for i in present]
    values["remove"] = [str(i) for i in remove]
    for referent_id, mark in (evaluations or {}).items():
        values[f"evaluation-{referent_id}"] = [str(mark)]
    for name, value in extra.items():
        values[name] = value if isinstance(value, list) else [value]
    return browser.client.post(url, data=values)


def lines(network):
    with database.connection_context():
        return {(a.referent.nom, a.present, a.evaluation)
                for a in Attendance.select().where(Attendance.training == network["training"].id)}


def test_the_sheet_lists_the_territory_and_its_sub_territories(as_role, network):
    html = as_role("viewer").get(sheet_url(network)).get_data(as_text=True)
    assert listed_names(html) == ["Ahmed Benali", "Claire Martin", "Hélène Dupré"]
    structures = re.findall(r'<th scope="rowgroup" colspan="3">\s*([^<]+?)\s*<', html)
    assert structures == ["CCAS de Poitiers (Poitiers)", "CIDFF de la Vienne (Ligugé)"]
    assert "RVC Poitiers" in html and "et de ses sous-territoires" in html


def test_save_creates_exactly_the_ticked_lines_and_reopening_shows_them(as_role, network):
    editor, url = as_role("editor"), sheet_url(network)
    form = open_sheet(editor, url)
    claire, helene = network["claire"].id, network["helene"].id
    response = post_sheet(editor, url, form, present=[claire, helene], evaluations={claire: 5})
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    assert lines(network) == {("Martin", True, 5), ("Dupré", True, None)}
    page = editor.get(url)
    html = page.get_data(as_text=True)
    assert "Présences enregistrées (2 présences ajoutées) : 2 personnes présentes sur 2 inscrites." in unescape(html)
    reopened = form_of(page)
    assert sorted(reopened.values["present"]) == sorted([str(claire), str(helene)])
    assert reopened.values[f"evaluation-{claire}"] == ["5"]
    with database.connection_context():  # each line is in the history, as any edit
        assert AuditEntry.select().where((AuditEntry.model == "Attendance")
                                         & (AuditEntry.action == "create")).count() == 2

    # Unticked after being present: absent (the line stays); never ticked: no line.
    post_sheet(editor, url, reopened, present=[helene])
    assert lines(network) == {("Martin", False, None), ("Dupré", True, None)}
    page = editor.get(url)
    assert "1 ligne modifiée" in unescape(page.get_data(as_text=True))
    assert "noté·e absent·e" in page.get_data(as_text=True)
    post_sheet(editor, url, form_of(page), present=[helene], remove=[claire])
    assert lines(network) == {("Dupré", True, None)}


def test_a_stale_sheet_is_refused_and_nothing_is_written(as_role, network):
    url = sheet_url(network)
    alice, bob = as_role("editor"), as_role("editor")
    alice_form, bob_form = open_sheet(alice, url), open_sheet(bob, url)
    assert post_sheet(alice, url, alice_form, present=[network["claire"].id]).status_code == 302
    response = post_sheet(bob, url, bob_form, present=[network["ahmed"].id, network["helene"].id])
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Enregistrement refusé\u00a0: cette fiche a été modifiée par quelqu'un d'autre" in html
    assert "Rien n'a été enregistré." in html and "Recharger la fiche" in html
    assert lines(network) == {("Martin", True, None)}
    kept = form_of(response)  # Bob's ticks are still on the page, with his old tokens
    assert sorted(kept.values["present"]) == sorted([str(network["ahmed"].id), str(network["helene"].id)])
    assert kept.values["version_token"] == bob_form.values["version_token"]


def test_a_viewer_reads_the_sheet_but_cannot_save_it(as_role, network):
    viewer, url = as_role("viewer"), sheet_url(network)
    html = viewer.get(url).get_data(as_text=True)
    assert "Lecture seule" in html and "Enregistrer les présences" not in html
    assert 'name="present"' in html and "disabled" in html
    editor_form = open_sheet(as_role("editor"), url)
    response = post_sheet(viewer, url, editor_form, present=[network["claire"].id])
    assert response.status_code == 302
    assert any("pas de les créer ni de les modifier" in m for m in page_messages(viewer.get(url)))
    assert lines(network) == set()
    assert viewer.get(f"/admin/training/presences/personnes/?q=zola").status_code == 403


def test_someone_from_outside_the_territory_is_found_and_added(as_role, network):
    editor, url = as_role("editor"), sheet_url(network)
    answer = editor.get("/admin/training/presences/personnes/?q=EMILE besancon").get_json()
    assert [(p["name"], p["structure"]) for p in answer["results"]] == [
        ("Émile Zola", "France Victimes 25 (Besançon)")]
    assert editor.get("/admin/training/presences/personnes/?q=ancien").get_json() == {"results": []}
    form = open_sheet(editor, url)
    emile = str(network["emile"].id)
    response = post_sheet(editor, url, form, present=[network["claire"].id, emile],
                          listed=form.values["listed"] + [emile])
    assert response.status_code == 302
    assert lines(network) == {("Martin", True, None), ("Zola", True, None)}
    html = editor.get(url).get_data(as_text=True)
    assert "Émile Zola" in listed_names(html)[-1] or "Émile Zola" in listed_names(html)
    assert "hors territoire" in html


def test_the_search_gives_twenty_at_most_in_few_queries(as_role, network):
    structure = make_structure("Mairie de Loudun", typologie="MUNI")
    for number in range(30):
        make_referent(structure, f"Agent {number:02}", prenom="Loudun")
    editor = as_role("editor")
    with QueryCounter() as queries:
        answer = editor.get("/admin/training/presences/personnes/?q=loudun").get_json()
    assert len(answer["results"]) == 20
    assert queries.count <= 4  # the session's user, the search (and the connection's own)


@pytest.mark.parametrize("change, message", [
    ({"present": ["999999"]}, "Référent·e inconnu·e (n° 999999)"),
    ({"evaluation": "9"}, "Claire Martin : l'évaluation va de 1 à 5 (« 9 » reçu)."),
    ({"present": ["abc"]}, "« abc » n'est pas un numéro de référent·e"),
    ({"version_token": "n'importe quoi"}, "Formulaire incomplet"),
])
def test_bad_input_is_refused_in_french_with_nothing_written(as_role, network, change, message):
    editor, url = as_role("editor"), sheet_url(network)
    form = open_sheet(editor, url)
    claire = network["claire"].id
    present = [claire, network["helene"].id] + change.get("present", [])
    extra = {"version_token": change["version_token"]} if "version_token" in change else {}
    response = post_sheet(editor, url, form, present=present,
                          evaluations={claire: change.get("evaluation", 4)}, **extra)
    assert response.status_code == 200
    assert any(message in m for m in page_messages(response)), page_messages(response)
    assert lines(network) == set()


def test_a_post_without_its_csrf_token_writes_nothing(as_role, network):
    editor, url = as_role("editor"), sheet_url(network)
    form = open_sheet(editor, url)
    response = post_sheet(editor, url, form, present=[network["claire"].id], csrf_token="")
    assert response.status_code == 302
    assert any("La session a expiré" in m for m in page_messages(editor.get(url)))
    assert lines(network) == set()


def test_the_training_page_and_grid_show_attendance(as_role, network):
    editor, url = as_role("editor"), sheet_url(network)
    post_sheet(editor, url, open_sheet(editor, url),
               present=[network["claire"].id, network["ahmed"].id, network["emile"].id],
               evaluations={network["claire"].id: 5, network["ahmed"].id: 4},
               listed=open_sheet(editor, url).values["listed"] + [str(network["emile"].id)])
    post_sheet(editor, url, open_sheet(editor, url), present=[network["claire"].id, network["emile"].id],
               evaluations={network["claire"].id: 5})  # Ahmed absent after all
    training_id = network["training"].id
    with QueryCounter() as queries:
        details = editor.get(f"/admin/training/details/?id={training_id}")
    html = unescape(details.get_data(as_text=True))
    assert "2 présent·e·s sur 3 inscrit·e·s" in re.sub(r"</?strong>|\s+", lambda m: " " if m.group().isspace() else "", html)
    assert "67\u00a0%" in html and "5,0\u00a0/\u00a05" in html
    groups = re.findall(r'<th scope="rowgroup" colspan="2">([^<]+)</th>', html)
    assert groups == ["CCAS de Poitiers (Poitiers)", "France Victimes 25 (Besançon)"]
    assert f'href="/admin/training/presences/?id={training_id}"' in html
    assert queries.count <= 12

    edit = editor.get(f"/admin/training/edit/?id={training_id}").get_data(as_text=True)
    assert "Saisir les présences" in edit and "attendances-0" not in edit and "Présence #1" not in edit
    grid = editor.get("/admin/training/").get_data(as_text=True)
    assert f'<a href="/admin/training/presences/?id={training_id}" title="Saisir les présences">2 présent·e·s</a>' in grid
