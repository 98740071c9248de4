"""Login throttling: 5 failures for one account or from one address within 15 minutes
give 429 with the wait, in French, logged; a success clears the account's failures.
Unknown emails cost the same Argon2 verification as known ones."""
import datetime
import logging
import re

from models import LoginFailure, database
from models.users import LoginThrottle
from tests.helpers import PASSWORD, Browser


def client_from(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return Browser(client)


def test_five_failures_for_an_account_give_429_with_the_wait(app, caplog):
    attacker = client_from(app, "203.0.113.7")
    for _ in range(5):
        assert attacker.login("editor@test.fr", "pas-le-bon-mot-de-passe").status_code == 200
    with caplog.at_level(logging.INFO, logger="maillage.auth"):
        blocked = attacker.login("editor@test.fr", PASSWORD)  # even the right password waits
    assert blocked.status_code == 429
    assert re.search(r"Trop de tentatives de connexion\u00a0: réessayez dans 15\u00a0minutes\.", blocked.text)
    assert 14 * 60 < int(blocked.headers["Retry-After"]) <= 15 * 60
    assert "Connexion refusée (trop d'échecs) : 'editor@test.fr' depuis 203.0.113.7" in caplog.text
    assert attacker.get("/admin/").status_code == 302
    # From another address too: the account is what is protected.
    assert client_from(app, "198.51.100.2").login("editor@test.fr").status_code == 429
    assert client_from(app, "198.51.100.2").login("viewer@test.fr").status_code == 302


def test_five_failures_from_one_address_block_it_for_every_account(app):
    attacker = client_from(app, "203.0.113.8")
    for email in ("a1@test.fr", "a2@test.fr", "a3@test.fr", "a4@test.fr", "admin@test.fr"):
        assert attacker.login(email, "pas-le-bon-mot-de-passe").status_code == 200
    assert attacker.login("viewer@test.fr").status_code == 429
    assert client_from(app, "198.51.100.3").login("viewer@test.fr").status_code == 302


def test_a_success_clears_the_accounts_failures(app):
    user = client_from(app, "203.0.113.9")
    for _ in range(4):
        user.login("editor@test.fr", "pas-le-bon-mot-de-passe")
    assert user.login("editor@test.fr").status_code == 302
    user.logout()
    other = client_from(app, "198.51.100.4")
    for _ in range(4):  # four more for the account: not five, since the success
        assert other.login("editor@test.fr", "pas-le-bon-mot-de-passe").status_code == 200
    assert other.login("editor@test.fr").status_code == 302


def test_failures_older_than_the_window_do_not_count():
    throttle = LoginThrottle(max_failures=5, window=datetime.timedelta(minutes=15))
    start = datetime.datetime(2026, 3, 2, 9, 0)
    with database.connection_context():
        for minute in range(5):
            throttle.failed("x@test.fr", "192.0.2.1", now=start + datetime.timedelta(minutes=minute))
        assert throttle.wait("x@test.fr", "192.0.2.9", now=start + datetime.timedelta(minutes=5)) \
            == datetime.timedelta(minutes=10)
        assert throttle.wait("y@test.fr", "192.0.2.1", now=start + datetime.timedelta(minutes=14)) \
            == datetime.timedelta(minutes=1)
        assert throttle.wait("x@test.fr", "192.0.2.1", now=start + datetime.timedelta(minutes=15)) is None
        # A new failure prunes those past the window: the table stays small.
        throttle.failed("z@test.fr", "192.0.2.2", now=start + datetime.timedelta(minutes=30))
        assert LoginFailure.select().count() == 1


def test_logins_are_logged_without_passwords(app, caplog):
    browser = client_from(app, "203.0.113.10")
    with caplog.at_level(logging.INFO, logger="maillage.auth"):
        browser.login("inconnu@test.fr", "un-secret-quelconque")
        browser.login("viewer@test.fr")
    assert "Échec de connexion : 'inconnu@test.fr' depuis 203.0.113.10" in caplog.text
    assert "Connexion de viewer@test.fr depuis 203.0.113.10" in caplog.text
    assert "un-secret-quelconque" not in caplog.text and PASSWORD not in caplog.text


def test_unknown_emails_cost_one_argon2_verification_like_known_ones(app, monkeypatch):
    from argon2 import PasswordHasher

    from models import users

    calls = []

    class CountingHasher(PasswordHasher):
        def verify(self, hashed, password):
            calls.append(hashed)
            return super().verify(hashed, password)

    monkeypatch.setattr(users, "password_hasher", CountingHasher())
    browser = client_from(app, "203.0.113.11")
    for email in ("viewer@test.fr", "personne@test.fr", "pas un courriel"):
        calls.clear()
        browser.login(email, "pas-le-bon-mot-de-passe")
        assert len(calls) == 1 and calls[0].startswith("$argon2id$"), email
