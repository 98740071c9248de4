"""Issue 10's everyday-entry defects, through the real pages: hours typed in French
stored as OpenStreetMap and shown in French, the favicon, one title per page, no
internal id on record pages, French date-filter labels, « Enregistrer et créer une
autre fiche » keeping the structure chosen."""
import html as html_module
import io
import json
import re

import openpyxl

from documents.directory_export import short_directory
from models import Referent, Structure, Training, database
from tests.helpers import grid_column, make_referent, make_structure, make_territory, page_messages

N = "\u202f"
TYPED = "du lundi au vendredi 9h-12h et 14h-17h"
STORED = "Mo-Fr 09:00-12:00,14:00-17:00"
FRENCH = f"lun.–ven. 9{N}h–12{N}h, 14{N}h–17{N}h"


def text_of(response):
    return html_module.unescape(response.get_data(as_text=True))


def texts_in(value):
    """Every string inside nested lists, tuples and dicts (the short directory's pages)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from texts_in(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from texts_in(item)


def test_hours_typed_in_french_are_stored_as_openstreetmap_and_shown_in_french(as_role):
    editor = as_role("editor")
    response = editor.post("/admin/structure/new/", {
        "nom": "CCAS de Civray", "typologie": "CCAS", "date_maj": "01/11/2026",
        "horaires_accueil": TYPED + " ; fermé les jours fériés",
    })
    assert response.status_code == 302, page_messages(response)
    with database.connection_context():
        structure = Structure.get(Structure.nom == "CCAS de Civray")
    assert structure.horaires_accueil == STORED + "; PH off"

    grid = editor.get("/admin/structure/").get_data(as_text=True)
    cells = [re.sub(r"<[^>]+>", "", cell) for cell in grid_column(grid, "horaires_accueil")]
    assert cells == [f"{FRENCH}{N}; fermé les jours fériés"]
    assert f'<span class="text-nowrap">9{N}h–12{N}h</span>' in grid  # a range never breaks
    assert "Mo-Fr" not in grid

    page = re.sub(r"<[^>]+>", "", text_of(editor.get(f"/admin/structure/details/?id={structure.id}")))
    assert f"{FRENCH}{N}; fermé les jours fériés" in page
    assert STORED + "; PH off" in page  # the OpenStreetMap value, beside it

    form = editor.get(f"/admin/structure/edit/?id={structure.id}").get_data(as_text=True)
    schedule = json.loads(html_module.unescape(re.search(r'data-schedule="([^"]*)"', form).group(1)))
    form = html_module.unescape(form)
    assert schedule["rows"] == [{"days": [0, 1, 2, 3, 4], "ranges": [["09:00", "12:00"], ["14:00", "17:00"]],
                                 "closed": False}]
    assert schedule["holidays_closed"] is True
    assert f"En clair : {FRENCH}" in form  # under the field, also without JavaScript


def test_hours_not_understood_are_refused_in_french_and_nothing_is_saved(as_role):
    response = as_role("editor").post("/admin/structure/new/", {
        "nom": "CCAS de Civray", "typologie": "CCAS", "date_maj": "01/11/2026",
        "horaires_accueil": "du lundi au vendredi sauf le mercredi 9h-12h",
    })
    assert response.status_code == 200
    assert any("Horaires non compris : « sauf »" in m for m in page_messages(response))
    with database.connection_context():
        assert Structure.select().count() == 0


def test_exports_and_the_short_directory_read_hours_in_french(as_role):
    make_structure("CCAS de Loudun", horaires_accueil=STORED)
    with database.connection_context():
        assert FRENCH in set(texts_in(short_directory()))
    response = as_role("viewer").get("/admin/structure/export/xlsx/")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    values = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    header_row = next(i for i, row in enumerate(values) if "Horaires d'accueil" in row)
    header = values[header_row]
    data = values[header_row + 1]
    assert data[header.index("Horaires d'accueil")] == FRENCH
    assert data[header.index("Horaires d'accueil (format OpenStreetMap)")] == STORED


def test_favicon_is_served_to_everyone(browser):
    response = browser.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml" and b"<svg" in response.data


def test_each_page_has_one_title(as_role):
    structure = make_structure()
    admin = as_role("admin")
    for url in ("/admin/", "/admin/exports/", "/admin/structure/", "/admin/structure/new/",
                f"/admin/structure/details/?id={structure.id}", "/admin/referent/"):
        page = admin.get(url).get_data(as_text=True)
        titles = re.findall(r"<h1[^>]*>(.*?)</h1>", page, re.S)
        assert len(titles) == 1, (url, titles)
        assert "<h4 class=\"mb-4\">" not in page, url  # Flask-Admin's second title


def test_record_pages_show_no_internal_id(as_role):
    territory = make_territory()
    structure = make_structure(territory=territory)
    referent = make_referent(structure)
    admin = as_role("admin")
    for url in (f"/admin/structure/details/?id={structure.id}", f"/admin/territory/details/?id={territory.id}",
                f"/admin/referent/details/?id={referent.id}"):
        page = text_of(admin.get(url))
        assert "N°" not in page, url


def test_date_filters_speak_french(as_role):
    with database.connection_context():
        Training.create(date="2026-10-01", theme="Repérer les violences", half_days=1)
    page = as_role("viewer").get("/admin/training/").get_data(as_text=True)
    groups = json.loads(html_module.unescape(
        re.search(r'id="filter-groups-data" class="d-none">(.*?)</div>', page, re.S).group(1)))
    operations = [f["operation"] for f in groups["Date"]]
    assert operations[:6] == ["le", "sauf le", "après le", "avant le", "du … au", "hors de la période du … au"]
    assert "plus grand que" not in page and "plus petit que" not in page


def test_save_and_add_another_keeps_the_structure_chosen(as_role):
    make_structure("ASKORIA")
    structure = make_structure("CCAS de Loudun")
    editor = as_role("editor")
    response = editor.post("/admin/referent/new/", {
        "prenom": "Inès", "nom": "Lemoine", "structure": structure.id, "role": "violences_precarite",
        "date_maj": "01/03/2026", "_add_another": "Enregistrer et créer une autre fiche",
    })
    assert response.status_code == 302, page_messages(response)
    location = response.headers["Location"]
    assert f"structure={structure.id}" in location and "/admin/referent/new/" in location
    form = editor.get(location).get_data(as_text=True)
    picker = re.search(r'<input[^>]*name="structure"[^>]*>', form).group(0)
    assert f'value="{structure.id}"' in picker and "CCAS de Loudun" in html_module.unescape(picker)
    response = editor.post(location, {"prenom": "Paul", "nom": "Morel", "structure": structure.id,
                                      "role": "violences_precarite", "date_maj": "01/03/2026"})
    assert response.status_code == 302, page_messages(response)
    with database.connection_context():
        assert sorted((r.nom, r.structure_id) for r in Referent.select()) == [
            ("Lemoine", structure.id), ("Morel", structure.id)]


def test_save_and_add_another_without_a_choice_adds_nothing(as_role):
    response = as_role("editor").post("/admin/training/new/", {
        "date": "07/12/2026", "theme": "Comprendre les violences conjugales", "half_days": "2",
        "_add_another": "Enregistrer et créer une autre fiche",
    })
    assert response.status_code == 302, page_messages(response)
    assert "/admin/training/new/" in response.headers["Location"]
    assert "territory=" not in response.headers["Location"]
