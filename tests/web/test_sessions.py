"""Sessions that end: a cookie copied before a logout, a new password, a deactivation
or « Déconnecter toutes les sessions » opens nothing afterwards; idle and absolute
lifetimes; the cookie is Secure under HTTPS."""
import time

import pytest

from models import User, database
from tests.helpers import PASSWORD, Browser, page_messages


def stolen_cookie(browser):
    """The session cookie as an attacker would copy it from this browser."""
    return browser.client.get_cookie("session").value


def replay(app, cookie):
    """Another client presenting a copied session cookie: what /admin/ answers."""
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client.get("/admin/")


def account(email):
    with database.connection_context():
        return User.get(User.email == email)


def test_a_copied_cookie_works_until_logout_then_never(app, as_role):
    browser = as_role("viewer")
    cookie = stolen_cookie(browser)
    assert replay(app, cookie).status_code == 200  # the copy works while the session lives
    browser.post("/logout", {}, form_url="/admin/")
    response = replay(app, cookie)
    assert response.status_code == 302 and response.location.startswith("/login")


def test_a_password_reset_by_an_admin_ends_the_users_sessions(app, as_role):
    editor = as_role("editor")
    cookie = stolen_cookie(editor)
    admin = as_role("admin")
    user_id = account("editor@test.fr").id
    saved = admin.post(f"/admin/user/edit/?id={user_id}", {
        "email": "editor@test.fr", "role": "editor", "active": "y",
        "password": "un-tout-nouveau-secret",
    })
    assert saved.status_code == 302
    assert replay(app, cookie).status_code == 302
    assert editor.get("/admin/").status_code == 302  # the editor's own browser too
    assert admin.get("/admin/").status_code == 200   # not the admin's


def test_deactivation_ends_the_sessions_and_reactivation_does_not_revive_them(app, as_role):
    cookie = stolen_cookie(as_role("editor"))
    admin = as_role("admin")
    user_id = account("editor@test.fr").id
    for active in ("", "y"):  # deactivated, then active again
        fields = {"email": "editor@test.fr", "role": "editor", "password": ""}
        if active:
            fields["active"] = active
        assert admin.post(f"/admin/user/edit/?id={user_id}", fields).status_code == 302
        assert replay(app, cookie).status_code == 302
    assert account("editor@test.fr").active


def test_an_admin_ends_all_sessions_of_chosen_accounts(app, as_role):
    editor_cookie, viewer_cookie = stolen_cookie(as_role("editor")), stolen_cookie(as_role("viewer"))
    admin = as_role("admin")
    response = admin.post("/admin/user/action/", {
        "action": "end_sessions", "rowid": [account("editor@test.fr").id],
    }, form_url="/admin/user/")
    assert response.status_code == 302
    assert replay(app, editor_cookie).status_code == 302
    assert replay(app, viewer_cookie).status_code == 200  # not chosen


def test_a_user_ends_all_their_sessions(app, as_role):
    elsewhere, here = as_role("viewer"), as_role("viewer")
    cookie = stolen_cookie(elsewhere)
    response = here.post("/admin/compte/sessions/", {}, form_url="/admin/compte/")
    assert response.status_code == 302 and response.location == "/login"
    assert here.get("/admin/").status_code == 302
    assert replay(app, cookie).status_code == 302


def test_changing_ones_password_asks_the_current_one_and_ends_the_other_sessions(app, as_role):
    elsewhere, here = as_role("viewer"), as_role("viewer")
    cookie = stolen_cookie(elsewhere)
    wrong = here.post("/admin/compte/", {"current": "pas-le-bon-du-tout", "new": "une phrase assez longue",
                                         "confirm": "une phrase assez longue"})
    assert wrong.status_code == 400 and "Le mot de passe actuel n'est pas le bon." in page_messages(wrong)
    weak = here.post("/admin/compte/", {"current": PASSWORD, "new": "viewer-2026-!!", "confirm": "viewer-2026-!!"})
    assert weak.status_code == 400 and "ne doit pas contenir le courriel" in weak.text
    assert replay(app, cookie).status_code == 200  # nothing changed yet
    done = here.post("/admin/compte/", {"current": PASSWORD, "new": "une phrase assez longue",
                                        "confirm": "une phrase assez longue"})
    assert done.status_code == 302
    assert here.get("/admin/").status_code == 200  # this session goes on
    assert replay(app, cookie).status_code == 302   # the others end
    assert account("viewer@test.fr").check_password("une phrase assez longue")
    fresh = Browser(app.test_client())
    assert fresh.login("viewer@test.fr").status_code == 200  # the old password no longer opens
    assert fresh.login("viewer@test.fr", "une phrase assez longue").status_code == 302


def test_an_admin_changing_their_own_password_in_the_grid_stays_logged_in(as_role):
    admin = as_role("admin")
    user_id = account("admin@test.fr").id
    saved = admin.post(f"/admin/user/edit/?id={user_id}", {
        "email": "admin@test.fr", "role": "admin", "active": "y", "password": "un-autre-secret-long",
    })
    assert saved.status_code == 302 and admin.get("/admin/").status_code == 200


@pytest.mark.parametrize("key, hours_ago, message", [
    ("auth_seen", 8.1, "après 8\u00a0h sans activité"),
    ("auth_started", 7 * 24 + 1, "7\u00a0jour(s) après la connexion"),
])
def test_idle_and_absolute_lifetimes_send_to_the_login_page(as_role, key, hours_ago, message):
    browser = as_role("editor")
    with browser.client.session_transaction() as session:
        session[key] = int(time.time() - hours_ago * 3600)
    response = browser.get("/admin/structure/")
    assert response.status_code == 302 and response.location.startswith("/login")
    login_page = browser.get(response.location)
    assert message in login_page.text
    assert browser.get("/admin/").status_code == 302


def test_an_active_session_is_kept_alive_by_use(as_role):
    browser = as_role("editor")
    with browser.client.session_transaction() as session:
        session["auth_seen"] = int(time.time() - 7.9 * 3600)
    assert browser.get("/admin/").status_code == 200
    with browser.client.session_transaction() as session:
        assert time.time() - session["auth_seen"] < 60


def test_a_cookie_from_before_session_tokens_is_refused(app, as_role):
    browser = as_role("viewer")
    with browser.client.session_transaction() as session:
        del session["auth_token"]
    assert browser.get("/admin/").status_code == 302


def test_the_session_cookie_is_secure_over_https_only(app):
    plain, secure = Browser(app.test_client()), Browser(app.test_client())
    over_http = plain.login("viewer@test.fr")
    assert over_http.status_code == 302 and "Secure" not in over_http.headers["Set-Cookie"]
    secure.client.get("/login", base_url="https://localhost")
    token = secure.csrf_token("/login")
    response = secure.client.post("/login", base_url="https://localhost",
                                  data={"email": "viewer@test.fr", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]
    assert "HttpOnly" in response.headers["Set-Cookie"] and "SameSite=Lax" in response.headers["Set-Cookie"]
