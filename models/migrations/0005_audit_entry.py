"""AuditEntry: the audit history of every write, login, export and import (issue 8)."""
import datetime

from peewee import CharField, DateTimeField, IntegerField, Model, TextField


def up(migrator, db):
    class AuditEntry(Model):
        created_at = DateTimeField(default=datetime.datetime.utcnow, index=True)
        actor = CharField(index=True)
        action = CharField(max_length=32)
        model = CharField(max_length=64)
        record_id = IntegerField(null=True)
        label = CharField(null=True)
        changes = TextField(null=True)
        detail = TextField(null=True)

        class Meta:
            database = db
            table_name = 'audit_entry'
            indexes = ((('model', 'record_id'), False),)
    db.create_tables([AuditEntry])


def down(migrator, db):
    db.execute_sql('DROP TABLE audit_entry')
