"""Sessions that end and throttled logins (issue 8): user_account.session_token,
copied into the session at login and changed to end every earlier session, and
login_failure, the failed logins of the throttling window."""
import datetime

from peewee import CharField, DateTimeField, Model


def up(migrator, db):
    # NULL for the accounts that exist: their sessions end, and login gives them a token.
    migrator.migrate(migrator.add_column('user_account', 'session_token', CharField(null=True)))

    class LoginFailure(Model):
        email = CharField(max_length=254, index=True)
        address = CharField(max_length=64, index=True)
        created_at = DateTimeField(default=datetime.datetime.now, index=True)

        class Meta:
            database = db
            table_name = 'login_failure'
    db.create_tables([LoginFailure])


def down(migrator, db):
    db.execute_sql('DROP TABLE login_failure')
    migrator.migrate(migrator.drop_column('user_account', 'session_token'))
