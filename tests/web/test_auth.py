"""Login, logout, CSRF and the redirect after login."""
import logging

from tests.helpers import PASSWORD


def test_admin_pages_need_login(browser):
    for url in ("/admin/", "/admin/structure/", "/admin/scenario/new/", "/admin/user/"):
        response = browser.get(url)
        assert response.status_code == 302
        assert response.location.startswith("/login?next=")


def test_login_then_dashboard_in_french(browser):
    response = browser.login("editor@test.fr")
    assert response.status_code == 302 and response.location == "/admin/"
    page = browser.get("/admin/structure/").get_data(as_text=True)
    assert "Créer" in page and "Rechercher" in page and "Ajouter un filtre" in page  # French, Flask-Admin's and ours


def test_wrong_password_is_refused_in_french(browser):
    response = browser.login("editor@test.fr", "pas-le-bon-mot-de-passe")
    assert response.status_code == 200
    assert "Courriel ou mot de passe incorrect." in response.get_data(as_text=True)
    assert browser.get("/admin/").status_code == 302


def test_login_without_csrf_token_is_rejected(browser):
    response = browser.client.post(
        "/login", data={"email": "admin@test.fr", "password": PASSWORD},
    )
    assert response.status_code == 400
    assert browser.get("/admin/").status_code == 302


def test_next_only_goes_to_local_paths(browser):
    for target, expected in (
        ("/admin/referent/", "/admin/referent/"),
        ("https://evil.example/", "/admin/"),
        ("//evil.example/", "/admin/"),
        ("/\\evil.example", "/admin/"),
    ):
        response = browser.post(
            f"/login?next={target}", {"email": "admin@test.fr", "password": PASSWORD},
        )
        assert response.location == expected, target
        browser.logout()


def test_logout_ends_the_session_from_the_menu_form(as_role):
    browser = as_role("viewer")
    assert browser.get("/admin/").status_code == 200
    response = browser.post("/logout", {}, form_url="/admin/")  # the token of the menu's form
    assert response.location == "/login"
    assert browser.get("/admin/").status_code == 302


def test_logout_needs_a_post_with_its_token(as_role):
    browser = as_role("viewer")
    page = browser.get("/logout")
    assert page.status_code == 200 and "Se déconnecter" in page.text  # a confirmation page
    forged = browser.client.post("/logout", data={})
    assert forged.status_code == 400 and "confirmez de nouveau" in forged.text
    assert browser.get("/admin/").status_code == 200  # still logged in


def test_inactive_user_cannot_log_in(browser):
    from models import User, database

    with database.connection_context():
        User.update(active=False).where(User.email == "editor@test.fr").execute()
    assert browser.login("editor@test.fr").status_code == 200
    assert browser.get("/admin/").status_code == 302


def test_password_never_reaches_the_log(browser, caplog):
    with caplog.at_level(logging.DEBUG):
        browser.login("admin@test.fr")
        browser.login("admin@test.fr", "un-autre-secret-123")
    assert PASSWORD not in caplog.text and "un-autre-secret-123" not in caplog.text
