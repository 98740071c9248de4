"""Services (issue 12): what each structure offers, in data·inclusion v1 terms, and
where an imported structure or service came from (source, id, values at import)."""
from peewee import (
    AutoField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, Model, SQL,
    TextField,
)


def up(migrator, db):
    class Structure(Model):
        id = AutoField()

        class Meta:
            database = db
            table_name = 'structure'

    class Referent(Model):
        id = AutoField()

        class Meta:
            database = db
            table_name = 'referent'

    class Service(Model):
        structure = ForeignKeyField(Structure, on_delete='CASCADE')
        nom = CharField()
        description = TextField()
        type = CharField(null=True)
        thematiques = TextField(null=True)
        publics = TextField(null=True)
        publics_precisions = TextField(null=True)
        modes_accueil = TextField(null=True)
        modes_mobilisation = TextField(null=True)
        mobilisable_par = TextField(null=True)
        mobilisation_precisions = TextField(null=True)
        lien_mobilisation = CharField(null=True)
        frais = CharField(null=True)
        frais_precisions = TextField(null=True)
        conditions_acces = TextField(null=True)
        zone_eligibilite = TextField(null=True)
        telephone = CharField(max_length=16, null=True)
        courriel = CharField(null=True)
        referent = ForeignKeyField(Referent, null=True, on_delete='SET NULL')
        horaires_accueil = CharField(null=True)
        adresse = CharField(null=True)
        complement_adresse = CharField(null=True)
        code_postal = CharField(max_length=5, null=True)
        code_insee = CharField(max_length=5, null=True)
        commune = CharField(null=True)
        date_maj = DateField()
        version = IntegerField(default=1, constraints=[SQL('DEFAULT 1')])

        class Meta:
            database = db
            table_name = 'service'

    class DataInclusionLink(Model):
        kind = CharField()
        structure = ForeignKeyField(Structure, null=True, on_delete='CASCADE')
        service = ForeignKeyField(Service, null=True, on_delete='CASCADE')
        source = CharField()
        source_id = CharField()
        imported_at = DateTimeField()
        imported_values = TextField()

        class Meta:
            database = db
            table_name = 'data_inclusion_link'
            indexes = ((('kind', 'source', 'source_id'), True),)

    db.create_tables([Service, DataInclusionLink])


def down(migrator, db):
    db.execute_sql('DROP TABLE data_inclusion_link')
    db.execute_sql('DROP TABLE service')
