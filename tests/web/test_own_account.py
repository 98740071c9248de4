"""An administrator cannot lock themselves out: their own rights, activity and account stay."""
import pytest

from models import User, database
from models.users import create_or_reset_user
from tests.helpers import PASSWORD, page_messages

OWN_RIGHTS = "Vous ne pouvez pas retirer vos propres droits d'administration."
OWN_ACCOUNT = "Vous ne pouvez pas supprimer votre propre compte."


def account(email):
    with database.connection_context():
        user = User.get(User.email == email)
    return user.id, user.role, user.active


def own_form(**changes):
    form = {"email": "admin@test.fr", "name": "", "role": "admin", "active": "y", "password": ""}
    form.update(changes)
    return {name: value for name, value in form.items() if value is not None}


@pytest.mark.parametrize("changes", [
    {"role": "editor"}, {"role": "viewer"}, {"active": None}, {"role": "viewer", "active": None},
])
def test_an_admin_cannot_remove_their_own_rights(as_role, changes):
    admin = as_role("admin")
    own_id, _, _ = account("admin@test.fr")
    url = f"/admin/user/edit/?id={own_id}"
    response = admin.post(url, own_form(**changes))
    assert response.status_code == 200
    assert any(OWN_RIGHTS in message for message in page_messages(response)), page_messages(response)
    assert account("admin@test.fr") == (own_id, "admin", True)
    # still an administrator: the accounts page answers
    assert admin.get("/admin/user/").status_code == 200


def test_an_admin_can_still_edit_their_own_account(as_role):
    admin = as_role("admin")
    own_id, _, _ = account("admin@test.fr")
    response = admin.post(f"/admin/user/edit/?id={own_id}", own_form(name="Camille"))
    assert response.status_code == 302, page_messages(response)
    with database.connection_context():
        assert User.get_by_id(own_id).name == "Camille"


def test_an_admin_may_change_another_admins_rights(as_role):
    with database.connection_context():
        other = create_or_reset_user("autre.admin@test.fr", PASSWORD, role="admin")
    response = as_role("admin").post(f"/admin/user/edit/?id={other.id}", {
        "email": "autre.admin@test.fr", "role": "viewer", "password": "",
    })
    assert response.status_code == 302, page_messages(response)
    assert account("autre.admin@test.fr") == (other.id, "viewer", False)


def test_an_admin_cannot_delete_their_own_account(as_role):
    admin = as_role("admin")
    own_id, _, _ = account("admin@test.fr")
    response = admin.post("/admin/user/delete/", {"id": own_id}, form_url="/admin/user/",
                          follow_redirects=True)
    assert OWN_ACCOUNT in page_messages(response)
    assert account("admin@test.fr") == (own_id, "admin", True)
    # nor through the list action, even among other accounts: nothing is deleted
    viewer_id, _, _ = account("viewer@test.fr")
    response = admin.post("/admin/user/action/", {
        "action": "delete", "rowid": [str(viewer_id), str(own_id)],
    }, form_url="/admin/user/", follow_redirects=True)
    assert f"Aucune fiche supprimée. {OWN_ACCOUNT}" in page_messages(response)
    assert account("admin@test.fr") == (own_id, "admin", True)
    assert account("viewer@test.fr") == (viewer_id, "viewer", True)


def test_an_admin_deletes_another_account(as_role):
    viewer_id, _, _ = account("viewer@test.fr")
    response = as_role("admin").post("/admin/user/delete/", {"id": viewer_id}, form_url="/admin/user/")
    assert response.status_code == 302
    with database.connection_context():
        assert User.get_or_none(User.id == viewer_id) is None
