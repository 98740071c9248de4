"""Actions on many records at once, at the core (models/bulk.py): each record saved
through the model (audit row with the actor, version bumped), one transaction, a
refusal naming the record and leaving everything as it was."""
import datetime
import json

import pytest

from models import AuditEntry, Referent, Structure, Training, ValidationError, database
from models.audit import acting_as
from models.bulk import (
    NO_TERRITORY, UNKNOWN_TERRITORY, apply_values, assign_territory, checked_values, deactivate, deactivated_values,
    mark_checked, pending_condition, territory_values,
)
from tests.helpers import make_referent, make_structure, make_territory

OLD = datetime.date(2024, 3, 1)
TODAY = datetime.date.today()


@pytest.fixture(autouse=True)
def connection(app):
    with database.connection_context():
        yield


def updates(model):
    return [(row.actor, row.record_id, json.loads(row.changes))
            for row in AuditEntry.select().where((AuditEntry.action == "update") & (AuditEntry.model == model))
            .order_by(AuditEntry.id)]


def snapshot(model):
    return {row.id: (row.version, *(getattr(row, f.name) for f in model._meta.sorted_fields))
            for row in model.select()}


def test_mark_checked_saves_each_record_with_its_actor_and_a_new_version():
    old = [make_structure(f"Structure {n}", date_maj=OLD) for n in range(3)]
    fresh = make_structure("Déjà vérifiée", date_maj=TODAY)
    with acting_as("coordination@ccas.fr"):
        changed = mark_checked(Structure.select())
    assert changed == 3  # the one checked today is left as it was
    for record in old:
        stored = Structure.get_by_id(record.id)
        assert (stored.date_maj, stored.version) == (TODAY, 2)
    assert Structure.get_by_id(fresh.id).version == 1
    assert updates("Structure") == [
        ("coordination@ccas.fr", record.id, {"date_maj": [OLD.isoformat(), TODAY.isoformat()]})
        for record in old
    ]


def test_deactivate_and_assign_territory_count_only_what_they_change():
    structure = make_structure()
    active = [make_referent(structure, f"Actif {n}") for n in range(2)]
    make_referent(structure, "Inactif", actif=False)
    assert deactivate(Referent.select()) == 2
    assert all(not Referent.get_by_id(r.id).actif for r in active)

    vienne, poitiers = make_territory("Vienne", kind="departement"), make_territory("RVC Poitiers")
    trainings = [Training.create(date=OLD, theme=f"Module {n}", territory=vienne if n else None)
                 for n in range(3)]
    already = Training.create(date=OLD, theme="Déjà là", territory=poitiers)
    assert assign_territory(Training.select(), poitiers) == 3
    assert {t.territory_id for t in Training.select()} == {poitiers.id}
    assert Training.get_by_id(already.id).version == 1
    assert assign_territory([Training.get_by_id(trainings[0].id)], str(vienne.id)) == 1  # an id as a form gives it


def test_an_unknown_territory_is_refused_in_french_and_nothing_changes():
    territory = make_territory()
    make_structure("CCAS de Poitiers", territory=territory)
    before = snapshot(Structure)
    for unknown in (territory.id + 999, "999999", "abc", "", None):
        with pytest.raises(ValidationError) as refused:
            assign_territory(Structure.select(), unknown)
        assert refused.value.errors == {"territory": NO_TERRITORY if unknown in ("", None) else UNKNOWN_TERRITORY}
    assert snapshot(Structure) == before
    assert updates("Structure") == []


def test_a_record_refused_rolls_back_the_whole_run_and_is_named():
    records = [make_structure(f"Structure {n:02}", date_maj=OLD) for n in range(5)]
    # A SIRET written before the rule existed (past full_clean, as an old import could).
    Structure.update(siret="12345678901234").where(Structure.id == records[3].id).execute()
    before = snapshot(Structure)
    with pytest.raises(ValidationError) as refused:
        mark_checked(Structure.select().order_by(Structure.id))
    message = refused.value.describe()
    assert message.startswith(
        f"Rien n'a été modifié\u00a0: la fiche « Structure 03 » (structure n°\u00a0{records[3].id}) "
        "ne peut pas être enregistrée. SIRET")
    assert "Structure —" not in message
    assert snapshot(Structure) == before  # the three saved before it were rolled back
    assert AuditEntry.select().where(AuditEntry.action == "update").count() == 0


def test_someone_elses_change_meanwhile_rolls_back_the_run():
    records = [make_structure(f"Structure {n}", date_maj=OLD) for n in range(3)]
    read = list(Structure.select().order_by(Structure.id))
    theirs = Structure.get_by_id(records[2].id)
    theirs.notes = "Changé entre-temps"
    theirs.save()
    with pytest.raises(ValidationError) as refused:
        mark_checked(read)
    assert "modifiée par quelqu'un d'autre" in refused.value.describe()
    assert [s.date_maj for s in Structure.select()] == [OLD] * 3


@pytest.mark.parametrize("values", [
    checked_values(), deactivated_values(), "territory",
])
def test_the_sql_count_agrees_with_what_a_run_changes(values):
    territory = make_territory()
    if values == "territory":
        values = territory_values(territory)
    for n in range(8):
        make_structure(f"Structure {n}", date_maj=TODAY if n % 3 == 0 else OLD, actif=n % 2 == 0,
                       territory=territory if n % 4 == 0 else None)
    pending = {s.id for s in Structure.select().where(pending_condition(Structure, values))}
    assert 0 < len(pending) < 8
    assert apply_values(Structure.select(), values) == len(pending)
    assert {row for (_a, row, _c) in updates("Structure")} == pending


def test_an_action_on_a_model_without_the_field_is_a_programming_error():
    structure = make_structure()
    with pytest.raises(ValueError):
        mark_checked([Training.create(date=OLD, theme="Sans date de mise à jour")])
    with pytest.raises(ValueError):
        pending_condition(Training, deactivated_values())
    assert Structure.get_by_id(structure.id).version == 1
