"""Fixtures: one app on a real database (SQLite by default, PostgreSQL when
MAILLAGE_TEST_DATABASE_URL names one), emptied before each test."""
import os
import re
from html import unescape

import pytest

from app import create_app
from models import ALL_MODELS, database
from models.users import create_or_reset_user

PASSWORD = "mot-de-passe-de-test"
ROLES = ("admin", "editor", "viewer")
CSRF_RE = re.compile(rb'name="csrf_token" type="hidden" value="([^"]+)"')
MESSAGE_RE = re.compile(r'<li>([^<]+)</li>|alert-(?:danger|error)[^>]*>\s*(?:<button[^>]*>[^<]*</button>)?\s*([^<]+)')


def page_messages(response):
    """The error messages a page shows: field errors and flashed alerts."""
    html = response.get_data(as_text=True)
    return [unescape(" ".join(m).strip()) for m in MESSAGE_RE.findall(html)]


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    url = os.environ.get("MAILLAGE_TEST_DATABASE_URL") or f"sqlite:///{instance / 'test.db'}"
    os.environ.pop("MAILLAGE_ADMIN_EMAIL", None)
    application = create_app({
        "INSTANCE_PATH": instance, "DATABASE_URL": url, "SEED_ON_START": False,
        "TESTING": True,
    })
    return application


@pytest.fixture(autouse=True)
def empty_database(app):
    with database.connection_context():
        with database.atomic():
            for model in reversed(ALL_MODELS):
                model.delete().execute()
        for role in ROLES:
            create_or_reset_user(f"{role}@test.fr", PASSWORD, role=role)
    yield
    if not database.is_closed():
        database.close()


class Browser:
    """A test client that logs in and posts forms with their CSRF token."""

    def __init__(self, client):
        self.client = client

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def csrf_token(self, url):
        page = self.client.get(url)
        match = CSRF_RE.search(page.data)
        assert match, f"no CSRF token on {url} ({page.status_code})"
        return match.group(1).decode()

    def post(self, url, data, form_url=None, **kwargs):
        data = dict(data)
        data.setdefault("csrf_token", self.csrf_token(form_url or url))
        return self.client.post(url, data=data, **kwargs)

    def login(self, email, password=PASSWORD):
        return self.post("/login", {"email": email, "password": password})

    def logout(self):
        return self.post("/logout", {})


@pytest.fixture
def browser(app):
    return Browser(app.test_client())


@pytest.fixture
def as_role(app):
    def logged_in(role):
        browser = Browser(app.test_client())
        response = browser.login(f"{role}@test.fr")
        assert response.status_code == 302, response.data[:500]
        return browser

    return logged_in
