"""The password rules where passwords are set: the admin's form, the CLI and
MAILLAGE_ADMIN_PASSWORD (« Mon compte »: tests/web/test_sessions.py)."""
import subprocess
import sys
import textwrap
from pathlib import Path

from models import User, database
from tests.helpers import page_messages

ROOT = Path(__file__).resolve().parents[2]


def test_the_admin_form_refuses_a_common_password_and_creates_nothing(as_role):
    admin = as_role("admin")
    response = admin.post("/admin/user/new/", {
        "email": "nouvelle@ccas.fr", "role": "viewer", "active": "y", "password": "qwerty123456",
    })
    assert response.status_code == 200
    assert any("des plus courants" in message for message in page_messages(response))
    with database.connection_context():
        assert not User.select().where(User.email == "nouvelle@ccas.fr").exists()


def test_the_cli_refuses_a_password_holding_the_email(app):
    result = app.test_cli_runner().invoke(
        args=["create-user", "nouvelle@ccas.fr", "--password", "nouvelle-2026-ccas"])
    assert result.exit_code != 0 and "ne doit pas contenir le courriel" in result.output
    with database.connection_context():
        assert not User.select().where(User.email == "nouvelle@ccas.fr").exists()


def test_a_weak_admin_password_from_the_environment_stops_the_start_in_french(tmp_path):
    code = f"from app import create_app; create_app({{'INSTANCE_PATH': {str(tmp_path)!r}, 'SEED_ON_START': False}})"
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "MAILLAGE_ADMIN_EMAIL": "coordination@ccas.fr",
             "MAILLAGE_ADMIN_PASSWORD": "azerty123456"},
    )
    assert result.returncode != 0
    assert "Erreur : MAILLAGE_ADMIN_PASSWORD refusé. Ce mot de passe fait partie des plus courants" in result.stderr
    assert "Traceback" not in result.stderr
