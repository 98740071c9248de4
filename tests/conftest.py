"""Fixtures: one app on a real database (SQLite by default, PostgreSQL when
MAILLAGE_TEST_DATABASE_URL names one), emptied before each test."""
import os

import pytest
from argon2 import PasswordHasher

from app import create_app
from models import ALL_MODELS, database, users
from models.users import create_or_reset_user
from tests.helpers import PASSWORD, Browser

ROLES = ("admin", "editor", "viewer")
# The suite's own database: CI runs the suite once on each.
SUITE_ON_POSTGRESQL = bool(os.environ.get("MAILLAGE_TEST_DATABASE_URL", "").startswith("postgres"))


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_suite: about the suite's SQLite database (not collected on PostgreSQL)")
    config.addinivalue_line("markers", "postgresql_suite: about the suite's PostgreSQL database (not collected on SQLite)")


def pytest_collection_modifyitems(config, items):
    """A test about the other database than the suite's is left out, not skipped:
    the run on that database (CI makes both) runs it."""
    other = "sqlite_suite" if SUITE_ON_POSTGRESQL else "postgresql_suite"
    left_out = [item for item in items if item.get_closest_marker(other)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker(other)]


@pytest.fixture(scope="session")
def cheap_password_hashing():
    """Argon2id at its cheapest, for tests only: the three accounts of every test and
    each login would otherwise cost a real hash (64 MiB, 3 passes) apiece, most of
    the suite's time. The production hasher is models.users.password_hasher."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(users, "password_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        yield


@pytest.fixture(scope="session")
def app(tmp_path_factory, cheap_password_hashing):
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
