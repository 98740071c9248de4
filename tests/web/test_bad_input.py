"""Crafted or careless input gets a French message and leaves the data as it was."""
import io
import zipfile

import openpyxl
import pytest

from models import CostLine, Structure, Training, ValidationError, database
from models.committee import resolve_filters
from models.db import is_sqlite
from tests.helpers import exported_table, grid_column, make_referent, make_scenario, make_structure, page_messages

HUGE = "9" * 30


@pytest.mark.parametrize("url", [
    f"/admin/structure/details/?id={HUGE}", f"/admin/referent/edit/?id={HUGE}",
    f"/admin/scenario/variant/?id={HUGE}", "/admin/scenario/details/?id=%C2%B2",
])
def test_impossible_ids_are_missing_records(as_role, url):
    response = as_role("editor").get(url, follow_redirects=True)
    assert response.status_code == 200
    assert any("n'existe pas" in message for message in page_messages(response))


def test_a_page_number_too_big_for_the_database_gets_a_french_page(as_role):
    response = as_role("viewer").get(f"/admin/structure/?page={HUGE}")
    assert response.status_code == 400
    assert "Valeur hors limites" in response.get_data(as_text=True)


@pytest.mark.parametrize("role, method, url, status, title", [
    ("viewer", "get", "/admin/user/", 403, "Accès refusé"),
    ("viewer", "get", "/admin/nulle-part/", 404, "Page introuvable"),
    ("viewer", "get", "/admin/structure/export/csv/", 404, "Page introuvable"),
    ("editor", "get", "/admin/structure/delete/", 405, "Action non permise"),
    (None, "get", "/pas-ici", 404, "Page introuvable"),
])
def test_http_errors_get_a_french_page(as_role, browser, role, method, url, status, title):
    client = (as_role(role) if role else browser).client
    response = getattr(client, method)(url)
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert title in page and "Retour au tableau de bord" in page
    assert "Not Found" not in page and "Forbidden" not in page and "Method Not Allowed" not in page


@pytest.mark.parametrize("url", [
    f"/admin/costline/?flt0_0={HUGE}", f"/admin/costline/export/xlsx/?flt0_0={HUGE}",
])
def test_a_filter_on_an_impossible_id_finds_nothing_or_says_why(as_role, url):
    scenario = make_scenario()
    with database.connection_context():
        CostLine.create(scenario=scenario, category="Locaux", designation="Loyer", amount=10)
    response = as_role("viewer").get(url)
    assert response.status_code == 200  # an id no record can have: no line matches
    if "/export/" in url:
        sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
        assert [row[0] for row in exported_table(sheet)] == ["Scénario"]  # the header only: no line
    else:
        page = response.get_data(as_text=True)
        assert "Loyer" not in page and '<td class="list-buttons-column">' not in page


def test_archived_pack_with_an_impossible_number_is_not_found(as_role):
    assert as_role("viewer").get(f"/admin/exports/dossiers/{HUGE}/").status_code == 404


@pytest.mark.parametrize("ids, message", [
    (f"1,{HUGE}", "introuvable"), ("%C2%B2,1", "nombres séparés par des virgules"),
])
def test_comparison_of_impossible_ids(as_role, ids, message):
    scenario = make_scenario()
    response = as_role("viewer").get(f"/admin/scenario/compare/?ids={scenario.id},{ids}",
                                      follow_redirects=True)
    assert response.status_code == 200
    assert any(message in m for m in page_messages(response))


def test_sorting_on_a_column_the_grid_does_not_sort_keeps_the_default_order(as_role):
    structure = make_structure()
    with database.connection_context():
        for day, theme in ((5, "Accueillir"), (20, "Orienter"), (12, "Repérer")):
            Training.create(date=f"2026-03-{day:02d}", theme=theme, half_days=1)
    for name in ("Petit", "Durand", "Martin"):
        make_referent(structure, nom=name)
    viewer = as_role("viewer")
    newest_first = ["Orienter", "Repérer", "Accueillir"]  # trainings: by date, newest first
    alphabetical = ["Durand", "Martin", "Petit"]  # référent·e·s: by name
    # sort=6 is the training's cost (not sortable); the référent·e grid has no column 42
    assert grid_column(viewer.get("/admin/training/").get_data(as_text=True), "theme") == newest_first
    assert grid_column(viewer.get("/admin/training/?sort=6&desc=1").get_data(as_text=True), "theme") == newest_first
    assert grid_column(viewer.get("/admin/referent/?sort=42").get_data(as_text=True), "nom") == alphabetical
    assert grid_column(viewer.get("/admin/referent/?sort=42&desc=1").get_data(as_text=True), "nom") == alphabetical
    response = viewer.get("/admin/referent/export/xlsx/?sort=42&desc=1")
    rows = exported_table(openpyxl.load_workbook(io.BytesIO(response.data)).active)
    assert [row[0] for row in rows[1:]] == alphabetical
    # a column that sorts still does
    assert grid_column(viewer.get("/admin/referent/?sort=0&desc=1").get_data(as_text=True), "nom") == alphabetical[::-1]


def test_apostrophe_cut_at_the_end_of_a_sheet_name(as_role):
    first = make_scenario(name="Scénario 2 avec 1 renfort d'accueil")
    second = make_scenario(name="Autre")
    response = as_role("viewer").get(f"/admin/scenario/compare/xlsx/?ids={first.id},{second.id}")
    assert response.status_code == 200
    names = openpyxl.load_workbook(io.BytesIO(response.data)).sheetnames
    assert "1. Scénario 2 avec 1 renfort…" in names  # cut at a word, within 31 characters
    assert not any(name.endswith("'") for name in names)  # Excel refuses a name ending with one


@pytest.mark.parametrize("amount, message", [
    ("100000000000000000000", "Valeur trop grande"),
    ("12345678901234567,89", "Valeur trop grande"),
    ("1_000", "Nombre invalide"),
    ("1e20", "Nombre invalide"),
])
def test_amounts_the_column_cannot_hold_are_refused(as_role, amount, message):
    scenario = make_scenario()
    response = as_role("editor").post("/admin/costline/new/", {
        "scenario": scenario.id, "category": "Locaux", "designation": "Loyer", "amount": amount,
    })
    assert response.status_code == 200
    assert any(message in m for m in page_messages(response)), page_messages(response)
    with database.connection_context():
        assert CostLine.select().count() == 0


def test_an_emptied_required_amount_takes_its_default(as_role):
    response = as_role("editor").post("/admin/training/new/", {
        "date": "10/03/2026", "theme": "Repérer les violences", "half_days": "2",
        "cost_per_half_day": "", "room_cost": "",
    })
    assert response.status_code == 302, page_messages(response)
    with database.connection_context():
        training = Training.get(Training.theme == "Repérer les violences")
        assert str(training.date) == "2026-03-10"  # typed the French way
        assert training.room_cost == 0 and training.cost_per_half_day == 350


@pytest.mark.parametrize("fields, message", [
    ({"nom": "D"}, "Le nom compte de 3 à 150 caractères."),
    ({"site_web": "pas une url"}, "Adresse web invalide"),
    ({"places": HUGE}, "Nombre trop grand"),
])
def test_structures_the_shared_directory_would_refuse_are_refused(as_role, fields, message):
    data = {"nom": "CCAS de Loudun", "typologie": "CCAS", **fields}
    response = as_role("editor").post("/admin/structure/new/", data)
    assert response.status_code == 200
    assert any(message in m for m in page_messages(response)), page_messages(response)
    with database.connection_context():
        assert Structure.select().count() == 0


def test_data_inclusion_export_leaves_out_a_record_saved_before_the_rules(as_role):
    make_structure(nom="CCAS de Poitiers")
    with database.connection_context():
        # as an older version could have saved it: straight into the table
        Structure.insert(nom="D", typologie="CCAS", actif=True).execute()
    response = as_role("viewer").get("/admin/exports/data-inclusion.jsonl")
    lines = response.get_data(as_text=True).splitlines()
    assert response.status_code == 200 and len(lines) == 1 and "CCAS de Poitiers" in lines[0]


def _damaged_xlsx(sheet_xml):
    workbook = openpyxl.Workbook()
    good = io.BytesIO()
    workbook.save(good)
    damaged = io.BytesIO()
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = sheet_xml if item.filename == "xl/worksheets/sheet1.xml" else source.read(item)
            target.writestr(item, data)
    return damaged.getvalue()


def test_damaged_workbook_import_gets_a_french_message(as_role):
    response = as_role("editor").post(
        "/admin/structure/import/", {"file": (io.BytesIO(_damaged_xlsx(b"<not xml")), "p.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "illisible ou endommagé" in response.get_data(as_text=True)
    with database.connection_context():
        assert Structure.select().count() == 0


def test_import_with_a_number_too_big_is_an_error_of_the_preview(as_role):
    csv = f"Nom;Typologie;Places\nLieu de vie;CCAS;{HUGE}\n".encode()
    page = as_role("editor").post(
        "/admin/structure/import/", {"file": (io.BytesIO(csv), "p.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "1 erreur(s)" in page and "Nombre trop grand" in page and "Confirmer" not in page


def test_confirm_without_token_keeps_the_pending_import(as_role):
    editor = as_role("editor")
    csv = "Nom;Typologie\nCIDFF de la Vienne;CIDFF\n".encode()
    editor.post("/admin/structure/import/", {"file": (io.BytesIO(csv), "p.csv")},
                content_type="multipart/form-data")
    refused = editor.client.post("/admin/structure/import/confirmer/", data={},
                                 follow_redirects=True)
    assert "Confirmation refusée" in refused.get_data(as_text=True)
    editor.post("/admin/structure/import/confirmer/", {}, form_url="/admin/structure/import/")
    with database.connection_context():
        assert Structure.select().where(Structure.nom == "CIDFF de la Vienne").exists()


def test_an_oversized_cell_is_an_error_of_the_preview(as_role):
    csv = ("Nom;Typologie;Notes\nLieu de vie;CCAS;" + "x" * 20_000 + "\n").encode()
    page = as_role("editor").post(
        "/admin/structure/import/", {"file": (io.BytesIO(csv), "p.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "Cellule trop longue" in page and "x" * 20_000 not in page


def test_a_scenario_is_not_compared_with_itself_in_the_committee_pack(app):
    scenario = make_scenario()
    with database.connection_context(), pytest.raises(ValidationError, match="au moins 2"):
        resolve_filters(None, [scenario.id, scenario.id])
