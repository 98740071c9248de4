"""Small builders for test data, through the models' own rules."""
from decimal import Decimal

from models import Referent, Scenario, Structure, Territory, database


def make_structure(nom="CCAS de Poitiers", **fields):
    with database.connection_context():
        return Structure.create(nom=nom, typologie=fields.pop("typologie", "CCAS"), **fields)


def make_referent(structure, nom="Martin", **fields):
    with database.connection_context():
        return Referent.create(prenom=fields.pop("prenom", "Claire"), nom=nom, structure=structure, **fields)


def make_territory(name="RVC Poitiers", **fields):
    with database.connection_context():
        return Territory.create(name=name, kind=fields.pop("kind", "reseau"), **fields)


def make_scenario(name="Test", **fields):
    with database.connection_context():
        return Scenario.create(name=name, **fields)


def euros(text):
    return Decimal(text)
