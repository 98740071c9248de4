"""The README's deploy command, `gunicorn -w 4 'app:create_app()'`, on an EMPTY
database: the four workers start together, the start-up work (migrations, seeds,
admin account) is done once, and every worker serves. On SQLite and PostgreSQL."""
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playhouse.db_url import connect

from tests.helpers import fresh_postgres_database, postgres_server_url

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4
BOOT_TIMEOUT_SECONDS = 180
SEEDED_STRUCTURES = len(json.loads((ROOT / "seeds" / "structures.json").read_text(encoding="utf-8")))
MIGRATIONS = len(list((ROOT / "models" / "migrations").glob("[0-9]*.py")))
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
# Printed by each worker once create_app() has returned (gunicorn's post_worker_init hook).
GUNICORN_CONFIG = """
import sys

def post_worker_init(worker):
    print(f"worker-ready {worker.pid}", file=sys.stderr, flush=True)
"""


def rows(url, sql):
    db = connect(url)
    try:
        return db.execute_sql(sql).fetchall()
    finally:
        db.close()


@contextmanager
def gunicorn(tmp_path, database_url, env=None):
    """The README's command with 4 workers, until every worker is ready; yields
    (base URL, standard error read so far)."""
    config = tmp_path / "gunicorn_conf.py"
    config.write_text(GUNICORN_CONFIG)
    instance = tmp_path / "instance"
    log = tmp_path / f"gunicorn-{uuid.uuid4().hex[:6]}.log"
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": database_url,
                   **(env or {})}
    with open(log, "w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "-b", "127.0.0.1:0",
             "-c", str(config), f"app:create_app({{'INSTANCE_PATH': {str(instance)!r}}})"],
            cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=stderr,
        )
    try:
        deadline = time.monotonic() + BOOT_TIMEOUT_SECONDS
        while True:
            text = log.read_text()
            ready = set(re.findall(r"worker-ready (\d+)", text))
            port = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", text)
            if len(ready) == WORKERS and port:
                break
            assert process.poll() is None, f"gunicorn stopped ({process.returncode}):\n{text}"
            assert time.monotonic() < deadline, f"workers not ready after {BOOT_TIMEOUT_SECONDS} s:\n{text}"
            time.sleep(0.2)
        base = f"http://127.0.0.1:{port.group(1)}"
        with urllib.request.urlopen(f"{base}/login", timeout=30) as response:
            assert response.status == 200
        yield base, log.read_text()
        final = log.read_text()
        assert "Traceback" not in final and "Worker failed" not in final, final
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def assert_booted_once(stderr, database_url):
    assert "Traceback" not in stderr and "Worker failed" not in stderr, stderr
    assert "database is locked" not in stderr and "Un compte existe" not in stderr, stderr
    assert rows(database_url, "SELECT count(*) FROM structure") == [(SEEDED_STRUCTURES,)]
    assert rows(database_url, "SELECT count(*) FROM schema_migration") == [(MIGRATIONS,)]


def log_in(base, email, password):
    """Open /login then post the form, on whichever worker answers each request."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    page = opener.open(f"{base}/login", timeout=30).read().decode()
    token = CSRF_RE.search(page).group(1)
    data = urlencode({"csrf_token": token, "email": email, "password": password}).encode()
    response = opener.open(f"{base}/login", data=data, timeout=30)
    return response.geturl()


def assert_logins_work(base, email, password):
    """Eight logins, spread over the workers: they share one secret key and one admin."""
    for _ in range(8):
        assert not log_in(base, email, password).endswith("/login")


def test_four_workers_boot_on_an_empty_sqlite_database_then_restart_with_a_new_admin(tmp_path):
    url = f"sqlite:///{tmp_path / 'maillage.db'}"
    with gunicorn(tmp_path, url) as (base, stderr):
        assert_booted_once(stderr, url)
        assert stderr.count("Mot de passe (affiché une seule fois)") == 1, stderr
        password = stderr.split("une seule fois) : ")[1].split()[0]
        assert rows(url, "SELECT email, role FROM user_account") == [("admin@maillage.local", "admin")]
        assert_logins_work(base, "admin@maillage.local", password)

    # A restart whose MAILLAGE_ADMIN_EMAIL account does not exist yet: the four
    # workers create it once, and nothing else is loaded again.
    admin = {"MAILLAGE_ADMIN_EMAIL": "coordination@ccas.fr", "MAILLAGE_ADMIN_PASSWORD": "un-secret-assez-long"}
    with gunicorn(tmp_path, url, admin) as (base, stderr):
        assert_booted_once(stderr, url)
        assert "Mot de passe" not in stderr
        assert sorted(rows(url, "SELECT email, role FROM user_account")) == [
            ("admin@maillage.local", "admin"), ("coordination@ccas.fr", "admin"),
        ]
        assert_logins_work(base, "coordination@ccas.fr", "un-secret-assez-long")


@pytest.fixture
def fresh_postgres_url():
    """A new, empty PostgreSQL database beside MAILLAGE_TEST_POSTGRES_URL's, dropped after."""
    with fresh_postgres_database(postgres_server_url()) as url:
        yield url


def test_four_workers_boot_on_an_empty_postgresql_database(tmp_path, fresh_postgres_url):
    url = fresh_postgres_url
    admin = {"MAILLAGE_ADMIN_EMAIL": "coordination@ccas.fr", "MAILLAGE_ADMIN_PASSWORD": "un-secret-assez-long"}
    with gunicorn(tmp_path, url, admin) as (base, stderr):
        assert_booted_once(stderr, url)
        assert rows(url, "SELECT email, role FROM user_account") == [("coordination@ccas.fr", "admin")]
        assert_logins_work(base, "coordination@ccas.fr", "un-secret-assez-long")
