"""RGPD rules without the web layer: retention arithmetic, which committee packs
name a person, and a person renamed before being erased."""
import datetime

import pytest

from documents.committee_pack import generate_pack
from models import AuditEntry, CommitteePack, Referent, database
from models.committee import resolve_filters
from models.privacy import (
    DEFAULT_RETENTION_MONTHS, anonymise_referent, identifying_texts, months_before,
    packs_mentioning, retention_months,
)
from tests.helpers import make_referent, make_structure, make_territory


def test_retention_months_and_month_arithmetic():
    assert retention_months(None) == retention_months(" ") == DEFAULT_RETENTION_MONTHS == 36
    assert retention_months("48") == 48 and retention_months(12) == 12
    for bad in ("abc", "0", "-3", "2.5", "5000"):
        with pytest.raises(ValueError, match="Durée de conservation invalide"):
            retention_months(bad)
    assert months_before(datetime.date(2026, 3, 31), 1) == datetime.date(2026, 2, 28)
    assert months_before(datetime.date(2026, 1, 15), 36) == datetime.date(2023, 1, 15)
    assert months_before(datetime.date(2026, 1, 15), 1) == datetime.date(2025, 12, 15)


def test_a_pack_names_a_person_only_when_one_row_holds_both_names():
    loudun, civray = make_territory("RVC Loudun"), make_territory("RVC Civray")
    person = make_referent(make_structure("CIDFF de Loudun", territory=loudun), prenom="Zoé", nom="Lambert")
    elsewhere = make_structure("CCAS de Civray", territory=civray)
    make_referent(elsewhere, prenom="Zoé", nom="Bernard")
    make_referent(elsewhere, prenom="Luc", nom="Lambert")
    with database.connection_context():
        other_pack = generate_pack(resolve_filters(civray.id), author="test")
        all_pack = generate_pack(resolve_filters(None), author="test")
        assert packs_mentioning(Referent.get_by_id(person.id)) == [all_pack.id]
        assert other_pack.id != all_pack.id


def test_a_person_renamed_before_erasure_leaves_neither_name():
    territory = make_territory("RVC Montmorillon")
    person = make_referent(make_structure("MDS de Montmorillon", territory=territory),
                           prenom="Claire", nom="Vaillancourt", courriel="c.vaillancourt@mds86.fr")
    with database.connection_context():
        old_pack = generate_pack(resolve_filters(None), author="test")  # names Vaillancourt
        record = Referent.get_by_id(person.id)
        record.nom, record.courriel = "Delorme", "c.delorme@mds86.fr"
        record.save()
        texts = identifying_texts(record)
        assert {"Claire Vaillancourt", "Claire Delorme", "c.vaillancourt@mds86.fr"} <= texts
        report = anonymise_referent(record)
        assert report.packs_deleted == [old_pack.id]
        assert not CommitteePack.select().exists()
        history = " ".join(f"{e.label} {e.changes} {e.detail}" for e in AuditEntry.select())
        for text in ("Vaillancourt", "Delorme", "c.vaillancourt", "c.delorme"):
            assert text not in history
        assert "Anonymisation (RGPD" in history and "Personne anonymisée n°" in history
