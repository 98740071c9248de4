"""Optimistic locking at the core (models/db.py VersionedModel): any save — form,
importer, CLI, script — of a record read before someone else's change is refused,
nothing written, with a French message naming what changed."""
import pytest

from documents.importing import apply_import, plan_import
from models import (
    ALL_MODELS, CommitteePack, CostLine, Structure, Territory, ValidationError, database,
)
from models.audit import AuditEntry
from models.budget import duplicate_scenario
from models.db import ConflictError, VersionedModel
from tests.helpers import make_scenario, make_structure, make_territory

EDITABLE = {"territory", "structure", "referent", "training", "attendance", "scenario",
            "cost_line", "funding_line", "funding_year", "user_account", "meeting", "network_target",
            "service"}


@pytest.fixture(autouse=True)
def connection(app):
    with database.connection_context():
        yield


def audit_rows():
    return AuditEntry.select().count()


def test_every_editable_table_is_versioned_and_only_those():
    versioned = {model._meta.table_name for model in ALL_MODELS if issubclass(model, VersionedModel)}
    assert versioned == EDITABLE
    assert not issubclass(CommitteePack, VersionedModel)  # archived once, never edited
    for table in EDITABLE:
        columns = {column.name: column for column in database.get_columns(table)}
        assert not columns["version"].null


def test_a_save_counts_a_version_and_a_stale_save_is_refused():
    created = make_structure(commune="Poitiers")
    assert created.version == 1
    mine, theirs = Structure.get_by_id(created.id), Structure.get_by_id(created.id)
    theirs.notes = "Appeler le lundi"
    theirs.save()
    assert theirs.version == 2
    before = audit_rows()

    mine.commune = "Niort"
    with pytest.raises(ConflictError) as refused:
        mine.save()

    assert refused.value.changed == ["notes"]
    assert refused.value.current.notes == "Appeler le lundi"
    assert refused.value.describe() == (
        "Structure — Cette fiche a été modifiée par quelqu'un d'autre entre-temps (champs "
        "modifiés\u00a0: Notes)\u00a0: rien n'a été enregistré. Rechargez-la, puis refaites vos changements.")
    assert isinstance(refused.value, ValidationError)  # callers that catch those say it too
    stored = Structure.get_by_id(created.id)
    assert (stored.commune, stored.notes, stored.version) == ("Poitiers", "Appeler le lundi", 2)
    assert audit_rows() == before
    assert mine.version == 1  # unchanged by the refusal: saving again is refused again
    with pytest.raises(ConflictError):
        mine.save()


def test_a_stale_delete_is_refused_and_a_deleted_record_is_not_brought_back():
    created = make_structure()
    mine, theirs = Structure.get_by_id(created.id), Structure.get_by_id(created.id)
    theirs.commune = "Niort"
    theirs.save()
    with pytest.raises(ConflictError):
        mine.delete_instance()
    assert Structure.get_by_id(created.id).commune == "Niort"

    theirs.delete_instance()
    mine.commune = "Lusignan"
    with pytest.raises(ConflictError) as refused:
        mine.save()
    assert refused.value.current is None
    assert "supprimée par quelqu'un d'autre" in refused.value.describe()
    assert Structure.select().count() == 0


def test_a_bulk_unlink_counts_as_a_change():
    """Deleting a territory unlinks its structures: a form opened before cannot link
    the structure back to a territory that is gone."""
    territory = make_territory()
    created = make_structure(territory=territory)
    stale = Structure.get_by_id(created.id)
    Territory.get_by_id(territory.id).delete_with_dependents()
    assert Structure.get_by_id(created.id).version == 2
    stale.commune = "Niort"
    with pytest.raises(ConflictError) as refused:
        stale.save()
    assert refused.value.changed == ["territory"]


def test_a_copy_starts_at_version_one():
    scenario = make_scenario("Coordination")
    CostLine.create(scenario=scenario, category="Locaux", designation="Loyer", amount=100)
    for _ in range(3):
        scenario.description = f"{scenario.description or ''}+"
        scenario.save()
    copy = duplicate_scenario(scenario)
    assert (scenario.version, copy.version) == (4, 1)


def test_a_version_token_describes_the_record_as_read():
    created = make_structure()
    token = Structure.get_by_id(created.id).version_token
    theirs = Structure.get_by_id(created.id)
    theirs.courriel = "accueil@ccas.fr"
    theirs.save()
    mine = Structure.get_by_id(created.id)  # read after their save, edited from the old form
    mine.expect_version(token)
    mine.commune = "Niort"
    with pytest.raises(ConflictError) as refused:
        mine.save()
    assert refused.value.changed == ["courriel"]
    for bad in ("x", "1.zz", "99999999999.", "1.abc"):
        with pytest.raises(ValidationError) as malformed:
            Structure.get_by_id(created.id).expect_version(bad)
        assert "Formulaire incomplet" in malformed.value.describe()


def test_an_import_planned_before_someone_else_s_change_writes_nothing():
    created = make_structure("CCAS de Poitiers", commune="Poitiers")
    plan = plan_import("structures", "structures.csv",
                       "Nom;Typologie;SIRET;Commune;Courriel\n"
                       "CCAS de Poitiers;CCAS;;Poitiers;ccas@poitiers.fr\n"
                       "Maison des femmes;ASSO;;Poitiers;\n".encode())
    assert plan.can_apply, plan.rows
    theirs = Structure.get_by_id(created.id)
    theirs.notes = "Changé pendant l'import"
    theirs.save()
    with pytest.raises(ConflictError):
        apply_import(plan, author="editor@test.fr")
    assert Structure.select().count() == 1  # the new one not created either
    stored = Structure.get_by_id(created.id)
    assert (stored.courriel, stored.notes) == (None, "Changé pendant l'import")


def test_two_saves_at_the_same_moment_one_wins_the_other_is_refused():
    """Two connections: the second UPDATE waits for the first to commit, then finds no
    row with the version it read (PostgreSQL's read committed re-checks the WHERE;
    SQLite serialises the writers)."""
    import threading
    import time

    created = make_structure()
    first_wrote, second_started = threading.Event(), threading.Event()
    outcome = {}

    def first():
        with database.connection_context():
            record = Structure.get_by_id(created.id)
            with database.atomic():
                record.notes = "Première"
                record.save()
                first_wrote.set()
                second_started.wait(5)
                time.sleep(0.3)  # the second save is now waiting on this transaction

    def second():
        with database.connection_context():
            record = Structure.get_by_id(created.id)
            first_wrote.wait(5)
            second_started.set()
            record.commune = "Niort"
            try:
                record.save()
                outcome["second"] = "saved"
            except ConflictError as error:
                outcome["second"] = error.changed

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert outcome == {"second": ["notes"]}
    stored = Structure.get_by_id(created.id)
    assert (stored.notes, stored.commune, stored.version) == ("Première", None, 2)
