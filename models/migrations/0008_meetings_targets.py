"""Meetings, the structures represented at them, yearly targets (issue 9), and at most
one scenario « en vigueur » (its Formations line is the training budget followed)."""
from peewee import (
    AutoField, BlobField, CharField, DateField, ForeignKeyField, IntegerField, Model, SQL, TextField,
)


def up(migrator, db):
    class Territory(Model):
        id = AutoField()

        class Meta:
            database = db
            table_name = 'territory'

    class Structure(Model):
        id = AutoField()

        class Meta:
            database = db
            table_name = 'structure'

    class Meeting(Model):
        date = DateField()
        territory = ForeignKeyField(Territory, null=True, on_delete='SET NULL')
        kind = CharField()
        participants = IntegerField(null=True)
        minutes = TextField(null=True)
        attachment = BlobField(null=True)
        attachment_name = CharField(null=True)
        attachment_size = IntegerField(null=True)
        decisions = TextField(null=True)
        next_meeting_date = DateField(null=True)
        version = IntegerField(default=1, constraints=[SQL('DEFAULT 1')])

        class Meta:
            database = db
            table_name = 'meeting'

    class MeetingStructure(Model):
        meeting = ForeignKeyField(Meeting, on_delete='CASCADE')
        structure = ForeignKeyField(Structure, on_delete='CASCADE')

        class Meta:
            database = db
            table_name = 'meeting_structure'
            indexes = ((('meeting', 'structure'), True),)

    class Target(Model):
        year = IntegerField()
        territory = ForeignKeyField(Territory, null=True, on_delete='CASCADE')
        indicator = CharField()
        value = IntegerField()
        version = IntegerField(default=1, constraints=[SQL('DEFAULT 1')])

        class Meta:
            database = db
            table_name = 'network_target'
            indexes = ((('year', 'territory', 'indicator'), True),)

    db.create_tables([Meeting, MeetingStructure, Target])
    # NULL never equals NULL in a unique index: one whole-network target per year and indicator.
    db.execute_sql('CREATE UNIQUE INDEX network_target_whole_network ON network_target '
                   '(year, indicator) WHERE territory_id IS NULL')
    db.execute_sql('CREATE INDEX meeting_date ON meeting (date)')
    # At most one scenario in force.
    db.execute_sql("CREATE UNIQUE INDEX scenario_one_in_force ON scenario (status) "
                   "WHERE status = 'en_vigueur'")


def down(migrator, db):
    db.execute_sql('DROP INDEX scenario_one_in_force')
    db.execute_sql('DROP TABLE network_target')
    db.execute_sql('DROP TABLE meeting_structure')
    db.execute_sql('DROP TABLE meeting')
