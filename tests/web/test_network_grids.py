"""The grids answer the coordinator's questions: each filter lists exactly the rows
expected on the hand-built network (tests/helpers.make_network), a territory's rows
include its sub-territories', and the count column sorts."""
import pytest

from tests.helpers import grid_column, make_network
from tests.web.test_grids import filter_options, filtered_url, page_of, sorted_url


@pytest.fixture
def viewer(as_role):
    make_network()
    return as_role("viewer")


def names(browser, url, column="nom"):
    return sorted(grid_column(page_of(browser, url + "&page_size=100" if "?" in url else url), column))


@pytest.mark.parametrize("label, value, expected", [
    ("Sans référent·e (active, accueille du public, aucun·e référent·e actif·ve)", "1",
     ["Centre social", "MDS Poitiers", "Épicerie solidaire"]),
    ("Inactive avec des référent·e·s actif·ve·s", "1", ["Ancienne asso"]),
    ("Avec un·e référent·e non formé·e", "1",
     ["Ancienne asso", "Association X", "CCAS de Poitiers", "Mairie de Migné"]),
    ("À vérifier (mise à jour il y a plus de 365 jours)", "1", ["Mairie de Migné"]),
])
def test_structure_filters_list_exactly_the_expected_rows(viewer, label, value, expected):
    page = page_of(viewer, "/admin/structure/")
    assert names(viewer, filtered_url("/admin/structure/", page, label, value)) == sorted(expected)


def test_a_territory_filter_includes_its_sub_territories(viewer):
    page = page_of(viewer, "/admin/structure/")
    options = dict((label.strip("\u2003"), value) for value, label in filter_options(page, "Territoire"))
    # Options read as a tree: sub-territories indented under their parent.
    assert [label for _, label in filter_options(page, "Territoire")] == [
        "Ailleurs", "Vienne", "\u2003RVC Loudun", "\u2003RVC Poitiers", "\u2003\u2003Bassin Poitiers-Nord"]
    poitiers = filtered_url("/admin/structure/", page, "Territoire", options["RVC Poitiers"])
    assert names(viewer, poitiers) == sorted([
        "CCAS de Poitiers", "MDS Poitiers", "Gendarmerie", "Ancienne asso", "Épicerie solidaire",
        "Mairie de Migné"])
    referents = page_of(viewer, "/admin/referent/")
    vienne = filtered_url("/admin/referent/", referents, "Territoire", options["Vienne"])
    assert names(viewer, vienne) == ["Blanc", "Durand", "Noir", "Petit", "Roux", "Vert"]
    trainings = page_of(viewer, "/admin/training/")
    assert filter_options(trainings, "Territoire")  # the same tree on the training grid


def test_resource_person_and_untrained_referent_filters(viewer):
    page = page_of(viewer, "/admin/referent/")
    assert names(viewer, filtered_url("/admin/referent/", page, "Personne ressource d'un territoire", "1")) == [
        "Noir"]
    assert names(viewer, filtered_url("/admin/referent/", page, "Formé·e", "0")) == [
        "Blanc", "Gris", "Noir", "Petit", "Roux"]


def test_active_referent_count_column_shows_and_sorts(viewer):
    page = page_of(viewer, "/admin/structure/?page_size=100")
    counts = dict(zip(grid_column(page, "nom"), grid_column(page, "active_referents")))
    assert counts["CCAS de Poitiers"] == "2" and counts["Épicerie solidaire"] == "0"
    descending = page_of(viewer, sorted_url(page, "Référent·e·s actif·ve·s", descending=True))
    assert grid_column(descending, "nom")[0] == "CCAS de Poitiers"


def test_a_bad_territory_value_is_ignored_not_an_error(viewer):
    response = viewer.get("/admin/structure/?flt0_1=abc")
    assert response.status_code == 200
