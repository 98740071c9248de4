"""`flask --app app backup OUT` while staff keep writing: the copy is consistent,
checked, and restores (SQLite: the file itself; PostgreSQL: pg_restore). Runs on
the suite's database, so CI covers SQLite and PostgreSQL."""
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playhouse.db_url import connect

from models import Structure, Territory, database
from models.db import with_maillage_collation
from seeds.loader import load_seeds
from tests.helpers import fresh_postgres_database, needed

ROOT = Path(__file__).resolve().parents[2]
PAIR_PREFIX = "Écriture pendant la sauvegarde"


def open_copy(url):
    """A copy opened as Maillage opens it: SQLite with its French collation."""
    copy = connect(url)
    if url.startswith("sqlite"):
        with_maillage_collation(copy.connection())
    return copy


def flask_command(database_url, *args, path=None):
    """A real `flask --app app …` on `database_url`, in its own process."""
    environment = {
        "PATH": path if path is not None else os.environ.get("PATH", "/usr/bin:/bin"),
        "DATABASE_URL": database_url, "SECRET_KEY": "cle-de-test",
    }
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=environment,
        capture_output=True, text=True, timeout=300,
    )


class PairWriter(threading.Thread):
    """Writes territories two by two, each pair in one transaction, until stopped."""

    def __init__(self):
        super().__init__(daemon=True)
        self.pairs = 0
        self.errors = []
        self.stop = threading.Event()

    def run(self):
        try:
            with database.connection_context():
                while not self.stop.is_set():
                    with database.atomic():
                        for side in ("a", "b"):
                            Territory.create(name=f"{PAIR_PREFIX} {self.pairs} {side}")
                    self.pairs += 1
                    time.sleep(0.005)
        except Exception as error:  # reported by the test, which then fails
            self.errors.append(repr(error))

    def wait_for(self, pairs, timeout=60):
        deadline = time.monotonic() + timeout
        while self.pairs < pairs and not self.errors and time.monotonic() < deadline:
            time.sleep(0.05)


@pytest.fixture
def seeded_while_writing(app):
    with database.connection_context():
        load_seeds()
    writer = PairWriter()
    writer.start()
    yield writer
    writer.stop.set()
    writer.join(timeout=30)


def backup_under_writes(app, writer, output):
    writer.wait_for(20)
    before = writer.pairs
    result = flask_command(app.config["DATABASE_URL"], "backup", str(output))
    after = writer.pairs
    writer.stop.set()
    writer.join(timeout=30)
    assert not writer.errors, writer.errors
    assert result.returncode == 0, result.stdout + result.stderr
    assert after > before, "no write happened during the backup: the test proves nothing"
    return result, before, after


def assert_copy_holds(url, before, after):
    """The copy has what was written before the backup started, whole pairs only."""
    copy = open_copy(url)
    try:
        names = [name for (name,) in copy.execute_sql(
            "SELECT name FROM territory WHERE name LIKE %s" if url.startswith("postgres")
            else "SELECT name FROM territory WHERE name LIKE ?", (f"{PAIR_PREFIX}%",),
        )]
        structures = copy.execute_sql("SELECT count(*) FROM structure").fetchone()[0]
    finally:
        copy.close()
    with database.connection_context():
        assert structures == Structure.select().count() > 10
    assert len(names) % 2 == 0, "a pair was cut in two: the copy is not one snapshot"
    assert before <= len(names) // 2 <= after


@pytest.mark.sqlite_suite
def test_sqlite_backup_while_writing_is_checked_and_restores(app, seeded_while_writing, tmp_path):
    output = tmp_path / "sauvegarde.db"
    result, before, after = backup_under_writes(app, seeded_while_writing, output)
    source = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    assert f"Copie écrite : {output} (" in result.stdout
    assert "  structure : " in result.stdout and "  territory : " in result.stdout
    assert f"Base utilisée : SQLite, fichier {Path(source).resolve()}" in result.stdout
    assert not list(tmp_path.glob(".*partiel")), "the draft copy is left behind"

    copy_url = f"sqlite:///{output}"
    assert open_copy(copy_url).execute_sql("PRAGMA integrity_check").fetchone() == ("ok",)
    assert "_search" not in result.stdout  # the search indexes (FTS5) are not listed as tables…
    for table in ("structure", "referent", "training"):  # …but came along, equal to their tables
        open_copy(copy_url).execute_sql(f"INSERT INTO {table}_search({table}_search, rank) "
                                        f"VALUES ('integrity-check', 1)")
    assert_copy_holds(copy_url, before, after)

    # Restore = put the file in the database's place: the app opens it as it is.
    restored = flask_command(copy_url, "init-db")
    assert restored.returncode == 0, restored.stderr
    assert "Base à jour" in restored.stdout and f"fichier {output}" in restored.stdout

    again = flask_command(app.config["DATABASE_URL"], "backup", str(output))
    assert again.returncode == 1
    assert "existe déjà" in again.stderr and "Base utilisée : SQLite" in again.stderr


def postgres_tools():
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        needed("pg_dump and pg_restore (postgresql-client)")


@pytest.mark.postgresql_suite
def test_postgresql_backup_while_writing_restores_with_pg_restore(app, seeded_while_writing, tmp_path):
    postgres_tools()
    output = tmp_path / "sauvegarde.dump"
    result, before, after = backup_under_writes(app, seeded_while_writing, output)
    assert f"Copie écrite : {output} (" in result.stdout and "  structure" in result.stdout
    assert "Base utilisée : PostgreSQL, postgresql://" in result.stdout
    assert f":{urlsplit(app.config['DATABASE_URL']).password}@" not in result.stdout

    with fresh_postgres_database(app.config["DATABASE_URL"]) as url:
        restore = subprocess.run(["pg_restore", "--no-owner", f"--dbname={url}", str(output)],
                                 capture_output=True, text=True, timeout=300)
        assert restore.returncode == 0, restore.stderr
        assert_copy_holds(url, before, after)


@pytest.mark.postgresql_suite
def test_postgresql_backup_without_pg_dump_prints_the_command(app, tmp_path):
    output = tmp_path / "sauvegarde.dump"
    result = flask_command(app.config["DATABASE_URL"], "backup", str(output), path=str(tmp_path))  # no pg_dump there
    assert result.returncode == 1
    assert "pg_dump est introuvable" in result.stdout
    assert f"pg_dump --format=custom --file={output}" in result.stdout
    assert not output.exists()
