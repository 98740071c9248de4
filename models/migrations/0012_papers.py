"""Papers to sign and file (issue 11): a training says whether the FSE+ co-funds it
(the « Cofinancé par l'Union européenne » mention of its attendance sheets), and the
yearly activity reports (bilan d'activité) are archived as generated."""
import datetime

from peewee import (
    AutoField, BlobField, BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField,
    Model, SQL,
)


def up(migrator, db):
    class Territory(Model):
        id = AutoField()

        class Meta:
            database = db
            table_name = 'territory'

    class ActivityReport(Model):
        created_at = DateTimeField(default=datetime.datetime.now)
        author = CharField()
        year = IntegerField()
        territory = ForeignKeyField(Territory, null=True, on_delete='SET NULL')
        filters = CharField()
        filename = CharField()
        sha256 = CharField(max_length=64)
        size = IntegerField()
        content = BlobField()

        class Meta:
            database = db
            table_name = 'activity_report'

    migrator.migrate(migrator.add_column(
        'training', 'eu_cofunded',
        BooleanField(default=False, constraints=[SQL('DEFAULT FALSE')]),
    ))
    db.create_tables([ActivityReport])


def down(migrator, db):
    db.execute_sql('DROP TABLE activity_report')
    migrator.migrate(migrator.drop_column('training', 'eu_cofunded'))
