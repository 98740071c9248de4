"""`python app.py` on a fresh machine: database, schema, seeds, one admin."""
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start(instance, env=None):
    """create_app() in a fresh process, as `python app.py` does before serving."""
    code = textwrap.dedent(f"""
        from app import create_app
        create_app({{"INSTANCE_PATH": {str(instance)!r}}})
    """)
    environment = {"PATH": "/usr/bin:/bin", **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True,
        text=True, timeout=120,
    )


def test_first_start_creates_everything_and_shows_the_password_once(tmp_path):
    first = start(tmp_path)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "maillage.db").exists()
    assert "Mot de passe (affiché une seule fois)" in first.stderr
    password = first.stderr.split("une seule fois) : ")[1].split()[0]
    assert len(password) >= 12

    second = start(tmp_path)
    assert second.returncode == 0 and "Mot de passe" not in second.stderr

    check = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        from models import Scenario, Structure, User, open_database
        open_database("sqlite:///{tmp_path / 'maillage.db'}")
        admin = User.get(User.email == "admin@maillage.local")
        assert admin.role == "admin" and admin.check_password({password!r})
        assert Structure.select().count() > 10 and Scenario.select().count() >= 3
        print("ok")
    """)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert check.stdout.strip() == "ok", check.stderr


def test_admin_from_the_environment_is_created_then_reset(tmp_path):
    env = {"MAILLAGE_ADMIN_EMAIL": "coordination@ccas.fr", "MAILLAGE_ADMIN_PASSWORD": "premier-secret"}
    assert start(tmp_path, env).returncode == 0
    result = start(tmp_path, {**env, "MAILLAGE_ADMIN_PASSWORD": "second-secret-"})
    assert result.returncode == 0 and "Mot de passe" not in result.stderr
    check = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        from models import User, open_database
        open_database("sqlite:///{tmp_path / 'maillage.db'}")
        user = User.get(User.email == "coordination@ccas.fr")
        print(user.role, user.check_password("second-secret-"), User.select().count())
    """)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert check.stdout.split() == ["admin", "True", "1"], check.stderr
