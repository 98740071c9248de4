"""Security headers on every response; no caching of pages and downloads; the
Secure cookie behind a proxy that says HTTPS (MAILLAGE_BEHIND_PROXY=1)."""
import re

from flask import Flask, session

from admin_views.security import init_security
from tests.helpers import make_structure

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def check_security_headers(response):
    for name, value in EXPECTED.items():
        assert response.headers[name] == value, name
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "geolocation=()" in response.headers["Permissions-Policy"]
    policy = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["form-action"] == "'self'"
    assert policy["base-uri"] == "'self'" and policy["object-src"] == "'none'"
    assert "unsafe-inline" not in policy["script-src"] and "unsafe-eval" not in policy["script-src"]
    assert "unsafe-inline" not in policy["style-src"]
    return policy


def test_a_logged_in_page_has_the_headers_and_its_scripts_the_nonce(as_role):
    response = as_role("editor").get("/admin/structure/")
    assert response.status_code == 200
    policy = check_security_headers(response)
    nonce = re.fullmatch(r"'self' 'nonce-([\w-]+)'", policy["script-src"]).group(1)
    scripts = re.findall(r"<script[^>]*>", response.text)
    assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts)
    assert not re.search(r"<style", response.text)
    assert response.headers["Cache-Control"] == "no-store"
    assert as_role("editor").get("/admin/structure/").headers["Content-Security-Policy"] != \
        response.headers["Content-Security-Policy"]  # a new nonce for each response


def test_exports_and_downloads_are_never_stored(as_role):
    make_structure()
    viewer = as_role("viewer")
    for url in ("/admin/structure/export/xlsx/", "/admin/exports/annuaire-court.xlsx",
                "/admin/exports/data-inclusion.jsonl", "/admin/exports/annuaire-court/"):
        response = viewer.get(url)
        assert response.status_code == 200, url
        check_security_headers(response)
        assert response.headers["Cache-Control"] == "no-store", url


def test_the_login_page_and_errors_have_the_headers_too(browser):
    for url, status in (("/login", 200), ("/admin/nulle-part/", 404)):
        response = browser.get(url)
        assert response.status_code == status
        check_security_headers(response)


def test_static_files_stay_cacheable(browser):
    for url in ("/theme/bootstrap.min.css", "/theme/static/maillage-csp.js",
                "/admin/static/vendor/jquery.min.js"):
        response = browser.get(url)
        assert response.status_code == 200, url
        assert response.headers.get("Cache-Control") != "no-store", url
        check_security_headers(response)


def bare_app(**config):
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test", **config)
    init_security(app)

    @app.route("/")
    def index():
        session["seen"] = True
        return "ok"

    return app


def test_behind_a_proxy_the_cookie_is_secure_when_the_proxy_says_https():
    client = bare_app(MAILLAGE_BEHIND_PROXY=True).test_client()
    assert "Secure" in client.get("/", headers={"X-Forwarded-Proto": "https"}).headers["Set-Cookie"]
    assert "Secure" not in client.get("/", headers={"X-Forwarded-Proto": "http"}).headers["Set-Cookie"]
    # Without the setting, the header is not trusted; MAILLAGE_HTTPS=1 makes it always Secure.
    direct = bare_app().test_client()
    assert "Secure" not in direct.get("/", headers={"X-Forwarded-Proto": "https"}).headers["Set-Cookie"]
    assert "Secure" in bare_app(MAILLAGE_HTTPS=True).test_client().get("/").headers["Set-Cookie"]
