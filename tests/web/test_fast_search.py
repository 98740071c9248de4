"""Issue 13 (and 10's search bullet): the grids' search reads one folded, indexed
column kept on save (models/search.py): accents, case and a phone's spacing aside; it
stays right after an edit, an import and a bulk action. Related filters load their
options on demand, and the référent·e grid no longer carries every structure."""
import urllib.parse

import pytest

from models import Referent, Structure, Training, database
from models.search import refresh_search_text, search_document
from tests.helpers import confirm_import, make_referent, make_structure, upload_import
from tests.web.test_grids import filter_group, page_of


def names_found(browser, grid, term):
    page = page_of(browser, f"/admin/{grid}/?page_size=100&search={urllib.parse.quote(term)}")
    return page


@pytest.fixture
def directory():
    with database.connection_context():
        commissariat = make_structure("Commissariat de police de Châtellerault", typologie="POLICE",
                                      commune="Châtellerault", telephone="05 49 88 96 72")
        epicerie = make_structure("Épicerie solidaire", typologie="ASSO", commune="Poitiers")
        make_structure("CCAS de Loudun", typologie="CCAS", commune="Loudun")
        elodie = make_referent(prenom="Élodie", nom="Béranger", structure=epicerie, telephone="0549889672")
        make_referent(prenom="Claire", nom="Martin", structure=commissariat)
        Training.create(date="2026-11-24", theme="Écouter sans juger", half_days=1, place="Châtellerault")
    return {"commissariat": commissariat, "epicerie": epicerie, "elodie": elodie}


@pytest.mark.parametrize("grid, term, expected, absent", [
    ("referent", "elodie", "Béranger", "Martin"),
    ("referent", "ELODIE beranger", "Béranger", "Martin"),
    ("referent", "0549889672", "Béranger", "Martin"),
    ("referent", "05 49 88 96 72", "Béranger", "Martin"),
    ("referent", "05.49.88.96.72", "Béranger", "Martin"),
    ("referent", "+33 5 49 88 96 72", "Béranger", "Martin"),
    ("structure", "epicerie", "Épicerie solidaire", "CCAS de Loudun"),
    ("structure", "chatellerault", "Commissariat de police de Châtellerault", "Épicerie solidaire"),
    ("structure", "05 49 88 96 72", "Commissariat de police de Châtellerault", "CCAS de Loudun"),
    ("attendance", "elodie", None, None),
    ("training", "ecouter", "Écouter sans juger", None),
])
def test_search_ignores_accents_case_and_phone_spacing(as_role, directory, grid, term, expected, absent):
    viewer = as_role("viewer")
    page = names_found(viewer, grid, term)
    if expected:
        assert expected in page
    if absent:
        assert absent not in page


def test_attendance_search_reads_the_joined_referent_and_training(as_role, directory):
    with database.connection_context():
        from models import Attendance
        training = Training.get(Training.theme == "Écouter sans juger")
        Attendance.create(training=training, referent=directory["elodie"])
    viewer = as_role("viewer")
    assert "Élodie Béranger" in names_found(viewer, "attendance", "elodie")
    assert "Élodie Béranger" in names_found(viewer, "attendance", "ecouter elodie")
    assert "Élodie Béranger" not in names_found(viewer, "attendance", "claire")


def test_search_text_follows_an_edit(as_role, directory):
    editor = as_role("editor")
    assert "Béranger" in names_found(editor, "referent", "elodie")
    with database.connection_context():
        elodie = Referent.get_by_id(directory["elodie"].id)
        elodie.prenom = "Hélène"
        elodie.save()
    assert "Béranger" not in names_found(editor, "referent", "elodie")
    assert "Béranger" in names_found(editor, "referent", "helene")


def test_search_text_follows_a_form_edit(as_role, directory):
    editor = as_role("editor")
    url = f"/admin/structure/edit/?id={directory['epicerie'].id}"
    from tests.helpers import form_of
    data = dict(form_of(editor.get(url).get_data(as_text=True)).values)
    data["nom"] = "Épicerie sociale du Clain"
    response = editor.post(url, data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert "Épicerie sociale du Clain" in names_found(editor, "structure", "clain")
    assert "Épicerie sociale du Clain" not in names_found(editor, "structure", "solidaire")


def test_search_text_follows_an_import(as_role, directory):
    editor = as_role("editor")
    data = ("Nom;Typologie;Commune;Téléphone\n"
            "Maison des femmes de Saint-Benoît;ASSO;Saint-Benoît;05 49 11 22 33\n"
            "Épicerie solidaire;ASSO;Poitiers;05 49 44 55 66\n").encode()
    upload_import(editor, "/admin/structure/import/", data, "partenaires.csv")
    assert confirm_import(editor, "/admin/structure/import/").status_code in (200, 302)
    assert "Maison des femmes de Saint-Benoît" in names_found(editor, "structure", "saint benoit")
    assert "Maison des femmes de Saint-Benoît" in names_found(editor, "structure", "0549112233")
    assert "Épicerie solidaire" in names_found(editor, "structure", "05 49 44 55 66")  # an update too


def test_search_text_survives_a_bulk_action(as_role, directory):
    editor = as_role("editor")
    with database.connection_context():
        from models.bulk import deactivate
        deactivate(Structure.select().where(Structure.id == directory["epicerie"].id))
    assert "Épicerie solidaire" in names_found(editor, "structure", "epicerie")


def test_refresh_search_text_repairs_rows_written_around_save(directory):
    with database.connection_context():
        Structure.update(nom="Point d'accès au droit").where(Structure.id == directory["epicerie"].id).execute()
        assert refresh_search_text(Structure) == 1
        row = Structure.get_by_id(directory["epicerie"].id)
        assert row.search_text == search_document(Structure, row.__data__)
        assert "point d'acces au droit" in row.search_text


def test_search_text_is_never_shown_typed_or_audited(as_role, directory):
    editor = as_role("editor")
    form = editor.get(f"/admin/referent/edit/?id={directory['elodie'].id}").get_data(as_text=True)
    details = editor.get(f"/admin/referent/details/?id={directory['elodie'].id}").get_data(as_text=True)
    grid = editor.get("/admin/referent/").get_data(as_text=True)
    for page in (form, details, grid):
        assert "search_text" not in page and "Texte de recherche" not in page
    with database.connection_context():
        from models.audit import AuditEntry
        assert not any("search_text" in (entry.changes or "") for entry in AuditEntry.select())


# --- related filters: options on demand -------------------------------------------
def test_filter_options_come_from_the_lookup_in_reading_order(as_role):
    with database.connection_context():
        for nom in ("Zèbre", "Écoute femmes", "Abri", "école des parents", "Centre social", "Émergence"):
            structure = make_structure(nom, typologie="ASSO")
            make_referent(structure, nom=f"Référente de {nom}", prenom="Anne")
        for index in range(30):
            make_structure(f"Structure {index:02d}", typologie="ASSO")
    viewer = as_role("viewer")
    page = page_of(viewer, "/admin/referent/")
    group = filter_group(page, "Structure")
    assert group["options"] is None and group["type"] == "select2-ajax"
    lookup = f"/admin/referent/ajax/lookup/?name=filter:{group['arg']}"
    found = viewer.get(f"{lookup}&query=&limit=50").get_json()
    assert len(found) == 20  # never more, whatever is asked
    assert [name for _, name in found[:6]] == [
        "Abri", "Centre social", "école des parents", "Écoute femmes", "Émergence", "Structure 00"]
    assert [name for _, name in viewer.get(f"{lookup}&query=ECOLE").get_json()] == ["école des parents"]
    record_id = found[0][0]
    assert viewer.get(f"{lookup}&id={record_id}").get_json() == [[record_id, "Abri"]]
    filtered = page_of(viewer, f"/admin/referent/?flt0_{group['arg']}={record_id}")
    assert "Référente de Abri" in filtered and "Référente de Zèbre" not in filtered


def test_filter_lookup_refuses_anonymous_users(browser, as_role):
    page = page_of(as_role("viewer"), "/admin/referent/")
    arg = filter_group(page, "Structure")["arg"]
    response = browser.get(f"/admin/referent/ajax/lookup/?name=filter:{arg}&query=")
    assert response.status_code in (302, 401, 403)
    assert b"[" not in response.data[:1]


def test_a_crafted_filter_value_is_no_error(as_role):
    viewer = as_role("viewer")
    arg = filter_group(page_of(viewer, "/admin/referent/"), "Structure")["arg"]
    for value in ("abc", "99999999999999999999", "-1", "1 OR 1=1"):
        assert viewer.get(f"/admin/referent/?flt0_{arg}={value}").status_code == 200
    assert viewer.get("/admin/referent/ajax/lookup/?name=filter:999&query=").status_code == 404


def test_the_referent_grid_does_not_grow_with_the_structures(as_role):
    viewer = as_role("viewer")
    with database.connection_context(), database.atomic():
        structure = make_structure("Siège", typologie="ASSO")
        for index in range(25):
            make_referent(prenom="Prénom", nom=f"Nom {index:02d}", structure=structure)
        for index in range(99):
            make_structure(f"Structure {index:04d}", typologie="CCAS")
    small = len(viewer.get("/admin/referent/").data)
    with database.connection_context(), database.atomic():
        Structure.insert_many([
            {"nom": f"Autre structure {index:04d}", "typologie": "CCAS", "version": 1,
             "thematiques": "[]", "publics": "[]", "reseaux_porteurs": "[]", "actif": True,
             "accueille_du_public": True, "date_maj": "2026-11-24"}
            for index in range(1900)
        ]).execute()
    large = len(viewer.get("/admin/referent/").data)
    assert abs(large - small) < 200, (small, large)


@pytest.mark.parametrize("term", ["ch", "chat", "ch chat"])
def test_found_rows_come_in_reading_order_with_short_and_long_words(as_role, term):
    """Words of 1-2 letters read the reading-order index, longer ones sort what they
    find: the same French order either way (accents and case aside)."""
    from tests.helpers import grid_column
    for name in ("Château d'eau", "chapelle", "Chatellerault", "CHÂTEAU-GARNIER", "Échat", "achat"):
        make_structure(name, typologie="ASSO")
    page = page_of(as_role("viewer"), f"/admin/structure/?page_size=100&search={urllib.parse.quote(term)}")
    listed = grid_column(page, "nom")
    expected = ["achat", "chapelle", "Château d'eau", "CHÂTEAU-GARNIER", "Chatellerault", "Échat"]
    assert listed == [name for name in expected if "chat" in name.lower().replace("â", "a") or term == "ch"]
