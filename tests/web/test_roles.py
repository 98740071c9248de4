"""Who may do what: anonymous, viewer, editor, admin, enforced by the server."""
import pytest

from models import Structure, User, database
from tests.helpers import make_structure, page_messages

EDIT_FORM = {"nom": "CCAS de Loudun", "typologie": "CCAS", "date_maj": "2026-11-01"}


def count_structures():
    with database.connection_context():
        return Structure.select().count()


@pytest.mark.parametrize("role, can_write", [("viewer", False), ("editor", True), ("admin", True)])
def test_list_and_details_are_readable_by_every_role(as_role, role, can_write):
    structure = make_structure()
    browser = as_role(role)
    assert browser.get("/admin/structure/").status_code == 200
    page = browser.get(f"/admin/structure/details/?id={structure.id}")
    assert page.status_code == 200 and "CCAS de Poitiers" in page.get_data(as_text=True)
    assert ("/admin/structure/new/" in browser.get("/admin/structure/").get_data(as_text=True)) is can_write


@pytest.mark.parametrize("role, can_write", [("viewer", False), ("editor", True), ("admin", True)])
def test_create_edit_delete_follow_the_role(as_role, role, can_write):
    structure = make_structure()
    browser = as_role(role)
    token = browser.csrf_token("/login")  # a session-wide token, as a forged form would carry

    created = browser.client.post("/admin/structure/new/", data={**EDIT_FORM, "csrf_token": token})
    edited = browser.client.post(
        f"/admin/structure/edit/?id={structure.id}",
        data={**EDIT_FORM, "nom": "CCAS renommé", "csrf_token": token},
    )
    with database.connection_context():
        names = {s.nom for s in Structure.select()}
    assert ("CCAS de Loudun" in names) is can_write
    assert ("CCAS renommé" in names) is can_write
    assert created.status_code == 302 and edited.status_code == 302

    other = make_structure("Structure à supprimer")
    browser.client.post("/admin/structure/delete/", data={"id": other.id, "csrf_token": token})
    with database.connection_context():
        still_there = Structure.select().where(Structure.id == other.id).exists()
    assert still_there is not can_write


@pytest.mark.parametrize("role, can_write", [("viewer", False), ("editor", True)])
def test_list_actions_need_an_editor(as_role, role, can_write):
    structure = make_structure()
    browser = as_role(role)
    token = browser.csrf_token("/login")
    browser.client.post("/admin/structure/action/", data={
        "action": "delete", "rowid": [structure.id], "csrf_token": token,
    })
    assert (count_structures() == 0) is can_write


def test_viewer_sees_no_write_buttons(as_role):
    make_structure()
    page = as_role("viewer").get("/admin/structure/").get_data(as_text=True)
    assert "/admin/structure/new/" not in page
    assert "/admin/structure/edit/" not in page
    assert "/admin/structure/delete/" not in page


@pytest.mark.parametrize("role, status", [("viewer", 403), ("editor", 403), ("admin", 200)])
def test_only_admins_reach_user_accounts(as_role, role, status):
    browser = as_role(role)
    assert browser.get("/admin/user/").status_code == status
    assert browser.get("/admin/user/new/").status_code == status
    assert ("/admin/user/" in browser.get("/admin/").get_data(as_text=True)) is (status == 200)


def test_editor_cannot_create_an_account_by_posting(as_role):
    browser = as_role("editor")
    token = browser.csrf_token("/login")
    response = browser.client.post("/admin/user/new/", data={
        "email": "intrus@test.fr", "role": "admin", "password": "0123456789ab", "csrf_token": token,
    })
    assert response.status_code == 403
    with database.connection_context():
        assert not User.select().where(User.email == "intrus@test.fr").exists()


def test_forms_without_csrf_token_change_nothing_and_say_why(as_role):
    structure = make_structure()
    browser = as_role("admin")
    for url, data in (
        ("/admin/structure/new/", EDIT_FORM),
        (f"/admin/structure/edit/?id={structure.id}", {**EDIT_FORM, "nom": "X"}),
        ("/admin/structure/delete/", {"id": structure.id}),
        ("/admin/structure/action/", {"action": "delete", "rowid": [structure.id]}),
    ):
        response = browser.client.post(url, data=data, follow_redirects=True)
        messages = page_messages(response)
        assert any("La session a expiré" in message for message in messages), (url, messages)
        assert not any("CSRF" in message for message in messages), (url, messages)
        assert not any("champs signalés" in message for message in messages), (url, messages)
    with database.connection_context():
        assert [s.nom for s in Structure.select()] == ["CCAS de Poitiers"]
