"""Start-up work (migrations, seeds, admin account) done by one process at a time.

`gunicorn -w 4` starts four processes that each build the app at the same moment:
without a lock they all migrate, seed and create the admin together ("database is
locked", "duplicate column", duplicate keys). `startup_lock` serialises them: SQLite
takes a file lock beside the database (the `filelock` package: fcntl on Unix,
msvcrt on the Windows PCs of a CCAS, released by the system if the process dies),
PostgreSQL a session advisory lock. Whoever gets the lock re-reads what is left to
do, so the first process does the work and the others find nothing left.
"""
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout
from peewee import PostgresqlDatabase, SqliteDatabase

# pg_advisory_lock key: the bytes of "Maillage", any constant shared by every process.
STARTUP_LOCK_KEY = int.from_bytes(b"Maillage", "big")
LOCK_TIMEOUT_SECONDS = 600


class StartupLockTimeout(RuntimeError):
    pass


def sqlite_file(db):
    """The path of a SQLite database's file, or None (in memory, or not SQLite)."""
    if not isinstance(db, SqliteDatabase) or db.database in ("", ":memory:"):
        return None
    if str(db.database).startswith("file:"):
        return None
    return Path(db.database).resolve()


def lock_path(db):
    path = sqlite_file(db)
    return path.with_name(path.name + ".lock") if path else None


@contextmanager
def startup_lock(db, timeout=LOCK_TIMEOUT_SECONDS):
    """Hold the start-up lock of `db`, with a connection open, until the block ends."""
    if isinstance(db, PostgresqlDatabase):
        with db.connection_context():
            db.execute_sql("SET lock_timeout = %s", (f"{int(timeout)}s",))
            db.execute_sql("SELECT pg_advisory_lock(%s)", (STARTUP_LOCK_KEY,))
            db.execute_sql("RESET lock_timeout")
            try:
                yield
            finally:
                # closing the connection would release it too; say so explicitly
                db.execute_sql("SELECT pg_advisory_unlock(%s)", (STARTUP_LOCK_KEY,))
        return
    path = lock_path(db)
    if path is None:  # a database in memory belongs to this process alone
        with db.connection_context():
            yield
        return
    try:
        with FileLock(str(path), timeout=timeout), db.connection_context():
            yield
    except Timeout as error:
        raise StartupLockTimeout(
            f"Un autre démarrage de Maillage garde le verrou {path} depuis plus de "
            f"{timeout} s : arrêtez-le, ou supprimez ce fichier s'il n'en reste aucun."
        ) from error


def database_label(db):
    """Which database `db` is, for a person: the SQLite file, or the PostgreSQL
    URL without its password."""
    if isinstance(db, SqliteDatabase):
        path = sqlite_file(db)
        return f"SQLite, fichier {path}" if path else f"SQLite, {db.database or 'en mémoire'}"
    if isinstance(db, PostgresqlDatabase):
        params = db.connect_params
        user = params.get("user")
        host = params.get("host") or "localhost"
        port = params.get("port")
        address = f"{user + '@' if user else ''}{host}{':' + str(port) if port else ''}"
        return f"PostgreSQL, postgresql://{address}/{db.database}"
    return type(db).__name__
