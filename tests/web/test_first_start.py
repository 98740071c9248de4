"""`python app.py` on a fresh machine: database, schema, seeds, one admin."""
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.helpers import seed_counts

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
        assert (Structure.select().count(), Scenario.select().count()) == {seed_counts()[1:]}
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


def test_python_app_py_serves_on_every_core_and_says_where_and_which_database(tmp_path):
    """What `python app.py` runs (app.main): French lines with the URL to open and the
    database file, then pre-forked worker processes (Gunicorn, MAILLAGE_WORKERS of
    them), not Werkzeug's development server."""
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = f"import app; app.main({{'INSTANCE_PATH': {str(tmp_path)!r}}})"
    server = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, env={"PATH": "/usr/bin:/bin", "PORT": str(port), "MAILLAGE_WORKERS": "2"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        lines = []
        while not any("Base de données" in line for line in lines):
            line = server.stdout.readline()
            assert line or server.poll() is None, server.stderr.read()
            lines.append(line)
        assert f"Maillage est lancé : ouvrez http://127.0.0.1:{port}/ dans votre navigateur." in "".join(lines)
        assert f"Base de données : SQLite, fichier {(tmp_path / 'maillage.db').resolve()}" in lines[-1]
        deadline = time.monotonic() + 60
        while True:
            try:
                response = urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=10)
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.2)
        assert response.status == 200 and response.headers["Server"].startswith("gunicorn")
        workers = subprocess.run(["ps", "-o", "pid=", "--ppid", str(server.pid)], capture_output=True, text=True)
        assert len(workers.stdout.split()) == 2
    finally:
        server.terminate()
        stderr = server.communicate(timeout=30)[1]
    assert "development server" not in stderr and "Traceback" not in stderr, stderr
