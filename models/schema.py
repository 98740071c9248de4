"""Schema changes, applied with peewee's own migration runner.

Every change to a model is a new numbered file in models/migrations/ (generate it
with `python -m playhouse.migrations sqlite:///instance/maillage.db generate NAME
models -d models/migrations`); a table is never dropped by hand.
"""
from pathlib import Path

from playhouse.migrations import Runner

MIGRATIONS_DIRECTORY = Path(__file__).parent / "migrations"


def _runner(db):
    return Runner(db, directory=str(MIGRATIONS_DIRECTORY))


def migrate(db):
    """Apply the pending migrations; return their names."""
    return _runner(db).up()


def applied_migrations(db):
    """The names of the migrations the database has, in order."""
    return sorted(_runner(db).applied())
