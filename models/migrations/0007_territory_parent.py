"""Territories nest (issue 9): a réseau in its département, a bassin de vie in its réseau."""
from peewee import AutoField, ForeignKeyField, Model


def up(migrator, db):
    class Territory(Model):
        id = AutoField()

        class Meta:
            database = db
            table_name = 'territory'

    migrator.migrate(migrator.add_column(
        'territory', 'parent_id',
        ForeignKeyField(Territory, field=Territory.id, null=True, on_delete='SET NULL'),
    ))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('territory', 'parent_id'))
