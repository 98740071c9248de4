"""A version on every editable record, checked at each save (optimistic locking, issue 8):
a save from a stale form finds no row with the version it read, and is refused."""
from peewee import SQL, IntegerField

EDITABLE_TABLES = (
    'territory', 'structure', 'referent', 'training', 'attendance',
    'scenario', 'cost_line', 'funding_line', 'user_account',
)


def up(migrator, db):
    migrator.migrate(*(
        migrator.add_column(table, 'version', IntegerField(default=1, constraints=[SQL('DEFAULT 1')]))
        for table in EDITABLE_TABLES
    ))


def down(migrator, db):
    migrator.migrate(*(migrator.drop_column(table, 'version') for table in EDITABLE_TABLES))
