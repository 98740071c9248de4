"""A NUL character anywhere in a request (address, parameter, form field, file
name) is refused once, before any view runs: a 400 French page, nothing written.
PostgreSQL cannot hold or compare U+0000: these were 500s there."""
import io
from html import unescape

import pytest

from models import Structure, User, database
from tests.helpers import make_structure

NUL_PAGE = "Caractère interdit (NUL)"

GRIDS = ("structure", "referent", "territory", "training", "attendance", "scenario",
         "costline", "fundingline")
GET_URLS = [
    *(f"/admin/{grid}/?search=%00" for grid in GRIDS),
    "/admin/structure/?search=CCAS%00",
    "/admin/structure/?flt0_0=%00",
    "/admin/structure/?sort=%00",
    "/admin/structure/?page=%00",
    "/admin/structure/export/xlsx/?search=%00",
    "/admin/referent/export/xlsx/?flt0_0=%00",
    "/admin/structure/details/?id=%00",
    "/admin/structure/edit/?id=1%00",
    "/admin/structure/?%00=1",
    "/admin/exports/annuaire-court/?x=%00",
]


@pytest.mark.parametrize("role", ["viewer", "editor", "admin"])
@pytest.mark.parametrize("url", GET_URLS)
def test_a_nul_in_the_address_is_refused_for_every_role(as_role, role, url):
    response = as_role(role).get(url)
    assert response.status_code == 400, (url, response.status_code)
    assert NUL_PAGE in response.get_data(as_text=True)


def test_admin_only_grids_refuse_it_too(as_role):
    admin = as_role("admin")
    for url in ("/admin/user/?search=%00", "/admin/auditentry/?search=%00",
                "/admin/auditentry/export/xlsx/?search=%00"):
        response = admin.get(url)
        assert response.status_code == 400 and NUL_PAGE in response.get_data(as_text=True), url


def _count(model):
    with database.connection_context():
        return model.select().count()


@pytest.mark.parametrize("field, value", [
    ("nom", "CCAS\x00 de Loudun"), ("notes", "\x00"), ("commune", "Loudun\x00"),
])
def test_a_nul_in_a_form_field_is_refused_and_nothing_is_written(as_role, field, value):
    editor = as_role("editor")
    data = {"nom": "CCAS de Loudun", "typologie": "CCAS", field: value}
    response = editor.post("/admin/structure/new/", data)
    assert response.status_code == 400 and NUL_PAGE in response.get_data(as_text=True)
    assert "rien n'a été modifié" in unescape(response.get_data(as_text=True))
    assert _count(Structure) == 0


def test_a_nul_in_an_edit_form_leaves_the_record_unchanged(as_role):
    structure = make_structure("CCAS de Loudun")
    editor = as_role("editor")
    url = f"/admin/structure/edit/?id={structure.id}"
    response = editor.post(url, {"nom": "CCAS\x00", "typologie": "CCAS"})
    assert response.status_code == 400
    with database.connection_context():
        assert Structure.get_by_id(structure.id).nom == "CCAS de Loudun"


def test_a_nul_in_the_login_form_is_refused(browser):
    response = browser.post("/login", {"email": "admin@test.fr\x00", "password": "x"})
    assert response.status_code == 400 and NUL_PAGE in response.get_data(as_text=True)
    assert _count(User) == 3


def test_a_nul_in_the_pack_form_is_refused(as_role):
    response = as_role("viewer").post("/admin/exports/", {"territory": "\x00"})
    assert response.status_code == 400 and NUL_PAGE in response.get_data(as_text=True)


def test_a_nul_in_an_uploaded_file_name_is_refused(as_role):
    editor = as_role("editor")
    response = editor.post("/admin/structure/import/", {
        "file": (io.BytesIO(b"Nom;Typologie\nCCAS;CCAS\n"), "partenaires\x00.csv"),
    }, content_type="multipart/form-data")
    assert response.status_code == 400 and NUL_PAGE in response.get_data(as_text=True)


def test_the_same_values_without_nul_go_through(as_role):
    editor = as_role("editor")
    assert editor.get("/admin/structure/?search=CCAS").status_code == 200
    response = editor.post("/admin/structure/new/", {"nom": "CCAS de Loudun", "typologie": "CCAS"})
    assert response.status_code == 302 and _count(Structure) == 1
