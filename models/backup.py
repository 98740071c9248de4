"""A consistent copy of the database while people keep working.

SQLite: the online backup API copies a snapshot in one step (in WAL mode writers go
on meanwhile), then `PRAGMA integrity_check` reads the copy back. PostgreSQL:
`pg_dump` in custom format (a snapshot too), restored with `pg_restore`.
"""
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from peewee import PostgresqlDatabase

from .db import with_maillage_collation
from .startup import sqlite_file

BUSY_TIMEOUT_SECONDS = 30


class BackupError(Exception):
    """A backup that could not be made, said in French."""


@dataclass
class BackupReport:
    output: Path
    tables: dict = field(default_factory=dict)  # table name -> rows (SQLite) or None
    command: list = None  # the pg_dump run, or the one to run when it is missing
    done: bool = True

    def lines(self):
        if not self.done:
            return [
                "pg_dump est introuvable sur cette machine (il fait partie du client PostgreSQL) : "
                "rien n'a été copié. Lancez vous-même, avec le même mot de passe :",
                "  " + " ".join(self.command),
            ]
        rows = [n for n in self.tables.values() if n is not None]
        summary = f"Copie écrite : {self.output} ({len(self.tables)} tables"
        summary += f", {sum(rows)} lignes)." if rows else ")."
        details = [f"  {name} : {n} ligne(s)" if n is not None else f"  {name}"
                   for name, n in sorted(self.tables.items())]
        return [summary, *details]


def _refuse_existing(output):
    if output.exists():
        raise BackupError(f"Le fichier {output} existe déjà : choisissez un autre nom, rien n'a été écrit.")
    if not output.parent.is_dir():
        raise BackupError(f"Le dossier {output.parent} n'existe pas.")


def backup(db, output):
    """Copy `db` (the open peewee database) to `output`; return a BackupReport."""
    output = Path(output).resolve()
    _refuse_existing(output)
    if isinstance(db, PostgresqlDatabase):
        return _backup_postgresql(db, output)
    source = sqlite_file(db)
    if source is None:
        raise BackupError("Seule une base SQLite enregistrée dans un fichier, ou PostgreSQL, se sauvegarde.")
    return _backup_sqlite(source, output)


def sqlite_tables(connection):
    """Each table of a SQLite database with its row count: the data's own tables, not
    the search indexes (FTS5 virtual tables and their shadow tables, in the copy too)."""
    names = sorted(name for (schema, name, kind, *_rest) in connection.execute("PRAGMA table_list")
                   if schema == "main" and kind == "table" and not name.startswith("sqlite_"))
    return {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}


def _backup_sqlite(source, output):
    draft = output.with_name(f".{output.name}.{os.getpid()}.partiel")
    try:
        tables = _copy_and_check(source, draft)
    except BaseException:
        draft.unlink(missing_ok=True)
        raise
    os.replace(draft, output)  # the copy appears under its name only once checked
    return BackupReport(output, tables)


def _copy_and_check(source, draft):
    reader = sqlite3.connect(source, timeout=BUSY_TIMEOUT_SECONDS)
    copy = with_maillage_collation(sqlite3.connect(draft))
    try:
        reader.backup(copy)  # all pages in one step: one snapshot, whatever is written meanwhile
        copy.execute("PRAGMA journal_mode = DELETE")  # a single self-contained file
        problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupError("La copie est endommagée, rien n'a été écrit : " + "; ".join(problems[:5]))
        return sqlite_tables(copy)
    finally:
        copy.close()
        reader.close()


def pg_dump_command(db, output):
    """The pg_dump call for `db`, password left out (given by PGPASSWORD)."""
    params = db.connect_params
    command = ["pg_dump", "--format=custom", f"--file={output}"]
    for option, key in (("--host", "host"), ("--port", "port"), ("--username", "user")):
        if params.get(key):
            command.append(f"{option}={params[key]}")
    return [*command, db.database]


def _backup_postgresql(db, output):
    command = pg_dump_command(db, output)
    if shutil.which("pg_dump") is None:
        return BackupReport(output, command=command, done=False)
    environment = dict(os.environ)
    if db.connect_params.get("password"):
        environment["PGPASSWORD"] = str(db.connect_params["password"])
    result = subprocess.run(command, env=environment, capture_output=True, text=True)
    if result.returncode != 0:
        if output.exists():
            output.unlink()
        raise BackupError(f"pg_dump a échoué ({result.returncode}) : {result.stderr.strip()}")
    tables = {}
    if shutil.which("pg_restore"):  # read the archive back: it opens, and lists its tables
        listing = subprocess.run(["pg_restore", "--list", str(output)], capture_output=True, text=True)
        if listing.returncode != 0:
            raise BackupError(f"La copie ne se relit pas (pg_restore --list) : {listing.stderr.strip()}")
        for line in listing.stdout.splitlines():
            parts = line.split()
            if " TABLE DATA " in line and len(parts) >= 2:
                tables[parts[-2]] = None
    return BackupReport(output, tables, command=command)
