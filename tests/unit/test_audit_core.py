"""The audit history at the core (models/audit.py, BaseModel.save/delete_instance):
what a write records, compared with the row as it was read."""
import datetime
import json
from decimal import Decimal

import pytest

from models import AuditEntry, Referent, Structure, Territory, Training, ValidationError, database
from models.audit import MASKED, SYSTEM, acting_as, record_event
from models.users import create_or_reset_user
from tests.helpers import make_referent, make_structure, make_territory


def rows(**where):
    with database.connection_context():
        query = AuditEntry.select().order_by(AuditEntry.id)
        for name, value in where.items():
            query = query.where(getattr(AuditEntry, name) == value)
        return [(row.action, row.model, row.record_id, json.loads(row.changes or "null")) for row in query]


def test_assigning_the_same_values_records_nothing_whatever_their_type():
    structure = make_structure(commune="Poitiers", date_maj="2026-01-15", places=3,
                               publics=["femmes", "familles"])
    with database.connection_context(), acting_as("coordination@ccas.fr"):
        read = Structure.get_by_id(structure.id)
        read.commune, read.date_maj, read.places = "Poitiers", datetime.date(2026, 1, 15), 3
        read.publics = ["familles", "femmes"]  # same list, other order
        read.notes = ""  # empty as before
        read.save()
        assert rows(action="update") == []
        read.commune = "Buxerolles"
        read.save()
        read.commune = "Poitiers"  # compared with the row as saved, not as first read
        read.save()
    assert rows(action="update") == [
        ("update", "Structure", structure.id, {"commune": ["Poitiers", "Buxerolles"]}),
        ("update", "Structure", structure.id, {"commune": ["Buxerolles", "Poitiers"]}),
    ]
    with database.connection_context():
        assert {row.actor for row in AuditEntry.select().where(AuditEntry.action == "update")} == {
            "coordination@ccas.fr"}


def test_a_row_read_with_a_join_is_compared_with_what_was_read():
    territory = make_territory()
    structure = make_structure(territory=territory)
    referent = make_referent(structure)
    with database.connection_context():
        read = (Referent.select(Referent, Structure).join(Structure)
                .where(Referent.id == referent.id).get())
        assert read.structure.nom == structure.nom  # no second query: joined
        read.fonction = "Conseillère"
        read.save()
    assert rows(action="update") == [("update", "Referent", referent.id, {"fonction": [None, "Conseillère"]})]


def test_a_record_saved_without_being_read_is_compared_with_the_database():
    territory = make_territory(notes="Avant")
    with database.connection_context():
        Territory(id=territory.id, name=territory.name, kind="reseau", notes="Après").save()
    assert rows(action="update") == [("update", "Territory", territory.id, {"notes": ["Avant", "Après"]})]


def test_creates_and_deletes_record_the_values_and_the_system_signs_by_default():
    with database.connection_context():
        training = Training.create(date="2026-10-01", theme="Repérer", half_days=2, cost_per_half_day=Decimal("350"))
    created = rows(model="Training")
    assert created == [("create", "Training", training.id, {
        "date": "2026-10-01", "theme": "Repérer", "half_days": 2, "cost_per_half_day": "350.00",
        "room_cost": "0.00", "eu_cofunded": False})]
    with database.connection_context():
        assert AuditEntry.get(AuditEntry.model == "Training").actor == SYSTEM
        assert AuditEntry.get(AuditEntry.model == "Training").label == "Repérer (01/10/2026)"
        Training.get_by_id(training.id).delete_with_dependents()
    assert rows(action="delete") == [("delete", "Training", training.id, created[0][3])]


def test_secrets_are_masked_and_the_history_does_not_record_itself():
    create_or_reset_user("nouvelle@ccas.fr", "Une-phrase-de-passe-assez-longue-86", role="viewer")
    with database.connection_context():
        entry = AuditEntry.get(AuditEntry.label == "nouvelle@ccas.fr")
        assert json.loads(entry.changes)["password_hash"] == MASKED
        assert "argon2" not in entry.changes
        count = AuditEntry.select().count()
        entry.detail = "modifié"
        entry.save()
        record_event("export", "Structure", detail="essai")
        assert AuditEntry.select().count() == count + 1  # the event only, not the save of a row
    create_or_reset_user("nouvelle@ccas.fr", "Une-autre-phrase-de-passe-longue-86", role="editor")
    changes = rows(action="update", model="User")[-1][3]
    assert changes["password_hash"] == [MASKED, MASKED] and changes["role"] == ["viewer", "editor"]


def test_unlinked_children_of_a_deleted_record_are_recorded():
    territory = make_territory()
    first, second = make_structure("CCAS A", territory=territory), make_structure("CCAS B", territory=territory)
    with database.connection_context():
        Territory.get_by_id(territory.id).delete_with_dependents()
    assert sorted(rows(action="update")) == [
        ("update", "Structure", first.id, {"territory": [territory.id, None]}),
        ("update", "Structure", second.id, {"territory": [territory.id, None]}),
    ]


def test_a_refused_write_records_nothing():
    structure = make_structure()
    make_referent(structure)
    with database.connection_context(), pytest.raises(ValidationError, match="Suppression impossible"):
        Structure.get_by_id(structure.id).delete_with_dependents()
    assert rows(action="delete") == []
