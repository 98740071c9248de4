"""Coverage and freshness per territory, on a hand-built network with known answers;
the SQL and Python forms of each rule agree; the query count does not grow."""
import pytest

from models import Referent, Structure, Territory, database
from models.directory import subtree_ids, within_territory
from models.network import (
    coverage_for, has_active_referent, has_active_referent_expression,
    inactive_with_active_referents_expression, is_inactive_with_active_referents,
    is_resource_person, is_without_referent, network_coverage, resource_person_expression,
    without_referent_expression,
)
from tests.helpers import QueryCounter, make_network


@pytest.fixture
def network():
    return make_network()


def test_coverage_of_each_territory_includes_its_sub_territories(network):
    territories, _ = network
    with database.connection_context():
        poitiers = coverage_for(territories["RVC Poitiers"])
        vienne = coverage_for(territories["Vienne"])
        nord = coverage_for(territories["Bassin Poitiers-Nord"])
        total = coverage_for(None)
    # Nord: Épicerie (no active référent·e) and Mairie (Noir).
    assert (nord.structures, nord.welcoming, nord.covered, nord.without_referent) == (2, 2, 1, 1)
    assert (nord.referents, nord.trained, nord.structures_to_review) == (1, 0, 1)
    assert (nord.bassins, nord.bassins_with_resource_person, nord.resource_person) == (1, 1, "Alex Noir")
    # RVC Poitiers adds CCAS (covered), MDS (not), Gendarmerie (no public), the closed one.
    assert (poitiers.structures, poitiers.welcoming, poitiers.covered) == (5, 4, 2)
    assert poitiers.without_referent == 2
    assert poitiers.coverage_rate == 0.5
    assert (poitiers.referents, poitiers.trained, poitiers.inactive_with_referents) == (4, 1, 1)
    # Vienne adds RVC Loudun's CIAS: covered, trained, to review (structure fresh, référent·e old).
    assert (vienne.structures, vienne.welcoming, vienne.covered) == (6, 5, 3)
    assert (vienne.referents, vienne.trained) == (5, 2)
    assert (vienne.structures_to_review, vienne.referents_to_review) == (1, 1)
    assert vienne.freshness_rate == pytest.approx(9 / 11)
    assert [child.name for child in vienne.children] == ["RVC Loudun", "RVC Poitiers"]
    # The whole network: Ailleurs and the structure with no territory too.
    assert (total.structures, total.welcoming, total.covered, total.referents) == (8, 7, 4, 6)


def test_the_tree_reads_in_order_with_depths(network):
    with database.connection_context():
        _total, rows = network_coverage()
    assert [(row.depth, row.name) for row in rows] == [
        (0, "Ailleurs"), (0, "Vienne"), (1, "RVC Loudun"), (1, "RVC Poitiers"),
        (2, "Bassin Poitiers-Nord"),
    ]


def test_sql_and_python_forms_agree(network):
    _, structures = network
    with database.connection_context():
        for expression, python in (
            (has_active_referent_expression(), has_active_referent),
            (without_referent_expression(), is_without_referent),
            (inactive_with_active_referents_expression(), is_inactive_with_active_referents),
        ):
            in_sql = {s.nom for s in Structure.select().where(expression)}
            in_python = {s.nom for s in Structure.select() if python(s)}
            assert in_sql == in_python
        assert {s.nom for s in Structure.select().where(without_referent_expression())} == {
            "MDS Poitiers", "Épicerie solidaire", "Centre social"}
        assert {r.nom for r in Referent.select().where(resource_person_expression())} == {
            r.nom for r in Referent.select() if is_resource_person(r)} == {"Noir"}


def test_within_territory_agrees_with_subtree_ids(network):
    territories, _ = network
    with database.connection_context():
        for territory in territories.values():
            in_sql = {t.id for t in Territory.select().where(within_territory(Territory.id, territory))}
            assert in_sql == subtree_ids(territory)


def test_a_territory_cannot_be_put_inside_itself(network):
    territories, _ = network
    with database.connection_context():
        vienne = Territory.get(Territory.name == "Vienne")
        vienne.parent = territories["Bassin Poitiers-Nord"]
        with pytest.raises(Exception, match="contenu dans lui-même"):
            vienne.save()
        assert Territory.get(Territory.name == "Vienne").parent_id is None


def test_trained_threshold_in_half_days_is_configurable(network, monkeypatch):
    with database.connection_context():
        assert coverage_for(None).trained == 2
        monkeypatch.setenv("MAILLAGE_TRAINED_MIN_HALF_DAYS", "3")  # the training gave 2
        assert coverage_for(None).trained == 0
        monkeypatch.setenv("MAILLAGE_TRAINED_MIN_HALF_DAYS", "2")
        assert coverage_for(None).trained == 2


def _grow(structures):
    with database.connection_context(), database.atomic():
        territory = Territory.create(name=f"Bassin {structures}", kind="bassin_de_vie")
        Structure.insert_many(
            [{"nom": f"Structure {i}", "typologie": "CCAS", "territory": territory.id}
             for i in range(structures)]).execute()


def test_query_count_does_not_grow_with_the_directory():
    counts = []
    for size in (100, 10_000):
        _grow(size)
        with database.connection_context(), QueryCounter() as queries:
            total, _rows = network_coverage()
        counts.append(queries.count)
    assert total.structures == 10_100
    assert counts[0] == counts[1] <= 4
