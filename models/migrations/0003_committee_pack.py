"""CommitteePack: every committee workbook generated, kept with its checksum (issue 4)."""
import datetime

from peewee import BlobField, CharField, DateTimeField, IntegerField, Model


def up(migrator, db):
    class CommitteePack(Model):
        created_at = DateTimeField(default=datetime.datetime.now)
        author = CharField()
        filters = CharField()
        filename = CharField()
        sha256 = CharField(max_length=64)
        size = IntegerField()
        content = BlobField()

        class Meta:
            database = db
            table_name = 'committee_pack'
    db.create_tables([CommitteePack])


def down(migrator, db):
    db.execute_sql('DROP TABLE committee_pack')
