"""Scenario.indexation_rate: a yearly rise of the recurring costs (issue 3)."""
from peewee import DecimalField


def up(migrator, db):
    migrator.migrate(migrator.add_column(
        'scenario', 'indexation_rate', DecimalField(null=True, max_digits=5, decimal_places=2)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('scenario', 'indexation_rate'))
