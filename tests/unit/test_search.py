"""Finding records as people type them (models/search.py): the SQL form finds what
the Python form says, on this suite's database (SQLite or PostgreSQL)."""
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import ALL_MODELS, Attendance, Referent, Structure, Training, database
from models.db import is_sqlite
from models.search import (
    fold_text, holds_words, matches_search, matches_words, refresh_search_text, search_document,
    search_fields, search_words, text_columns,
)
from tests.helpers import make_referent, make_structure

NAMES = [
    ("Épicerie solidaire", "Poitiers"), ("ÉCOLE de la deuxième chance", "Châtellerault"),
    ("Œuvre d'accueil", "Loudun"), ("Maison des Femmes — Saint-Benoît", None),
    ("CCAS de Niort", "Niort"), ("Association 50% solidaire_", "Civray"),
    ("Straße und Garçon", "Montmorillon"), ("Café Ç'est ça", "Lusignan"),
]
TERMS = [
    "epicerie", "ÉPICERIE", "Epicérie poitiers", "ecole chatellerault", "école CHÂTEL",
    "oeuvre", "uvre d'", "femmes saint-benoit", "SAINT BENOÎT", "niort ccas", "50%", "_",
    "strae", "garcon", "ç'est ca", "lusignan café", "absent", "e", "   ",
]


def python_matches(term):
    words = fold_text(term).split()
    return sorted(nom for nom, commune in NAMES
                  if all(word in fold_text(f"{nom} {commune or ''}") for word in words))


@pytest.fixture
def structures():
    for nom, commune in NAMES:
        make_structure(nom, commune=commune)


@pytest.mark.parametrize("term", TERMS)
def test_sql_and_python_find_the_same_records(structures, term):
    condition = matches_words(text_columns(Structure), term)
    with database.connection_context():
        query = Structure.select(Structure.nom)
        if condition is not None:
            query = query.where(condition)
        found = sorted(row.nom for row in query)
    assert found == python_matches(term)


def test_the_known_answers():
    assert fold_text("Épicerie ÇA Œuvre") == "epicerie ca uvre"
    assert python_matches("epicerie") == ["Épicerie solidaire"]
    assert python_matches("femmes saint-benoit") == ["Maison des Femmes — Saint-Benoît"]
    assert python_matches("") == sorted(nom for nom, _ in NAMES)


# --- the grids' search (matches_search): the stored search text, read on SQLite through
# the FTS5 trigram table `<table>_search` (words of 3 characters or more) and INSTR
# (shorter), on PostgreSQL with LIKE under pg_trgm: it finds exactly the rows whose
# search text holds each word (holds_words), whatever the words are made of.
DOCUMENTS = [
    "elodie beranger assistante sociale e.12@exemple.fr 33549889672 0549889672",
    'claire "martin" near and or not * - ^ : ( ) + x',
    'he said ""hi"" a-b*c {a b} col:abc',
    "ab", "abc abd", "near(and) not", "0549 889672", None,
]
HOSTILE_TERMS = [
    '"', '""', '"martin"', '"martin', 'mar*', '*', '**', '-', '-martin', 'a-b*c', 'NEAR', 'near(',
    'NEAR(a b)', 'AND', 'and', 'OR', 'or', 'NOT', 'not x', '^ab', '^', 'col:abc', ':', '(abc)',
    'abc)', '{a b}', 'x + y', '+', 'e.12@exemple.fr', '05 49 88 96 72', '+33 5 49 88 96 72',
    '0549', '12', 'ab', 'a', 'elodie BÉRANGER', 'sociale', 'said', '"hi"', '""hi""', "'", "%", "_",
    "\\", "[a]", "martin near", "claire MARTIN", "absent", "",
]


def _ids(query):
    with database.connection_context():
        return sorted(row.id for row in query)


def grid_finds(model, term, sources=None):
    """What the grid's search finds (SQL)."""
    condition = matches_search(sources or [model], term)
    query = model.select(model.id)
    return _ids(query if condition is None else query.where(condition))


def python_finds(model, term):
    with database.connection_context():
        return sorted(row.id for row in model.select(model.id, model.search_text)
                      if holds_words(row.search_text, term))


@pytest.fixture
def documents():
    """Référent·e·s whose search text is set by a raw UPDATE (as written around save)."""
    structure = make_structure("Siège")
    referents = [make_referent(structure, nom=f"Nom {index}") for index in range(len(DOCUMENTS))]
    with database.connection_context():
        for referent, document in zip(referents, DOCUMENTS):
            Referent.update(search_text=document).where(Referent.id == referent.id).execute()
    return referents


def test_python_twin_known_answers():
    assert holds_words("elodie beranger 0549889672", "Élodie 05 49 88 96 72")
    assert not holds_words("elodie beranger", "elodie martin")
    assert holds_words(None, "") and not holds_words(None, "a")


@pytest.mark.parametrize("term", HOSTILE_TERMS)
def test_the_grid_search_finds_what_the_python_twin_says(documents, term):
    assert grid_finds(Referent, term) == python_finds(Referent, term)


def test_generated_documents_and_terms_agree(documents):
    """Any text, any term (FTS5 syntax characters, short and long words): SQL = Python,
    through raw UPDATEs of the search text (the triggers keep the index on SQLite)."""
    alphabet = st.sampled_from(list('abcéNEAROT"*-:^()+.{}0123 ') + ["near", "and", "or", "not", "  "])
    text = st.lists(alphabet, max_size=14).map("".join)

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(texts=st.lists(st.one_of(st.none(), text.map(fold_text)), min_size=3, max_size=3), term=text)
    def agree(texts, term):
        with database.connection_context():
            for referent, document in zip(documents, texts):
                Referent.update(search_text=document).where(Referent.id == referent.id).execute()
        assert grid_finds(Referent, term) == python_finds(Referent, term)

    agree()


def test_a_search_over_linked_records_agrees_word_by_word(documents):
    """The attendance grid: each word in the référent·e's text OR the training's."""
    with database.connection_context():
        trainings = [Training.create(date="2026-11-24", theme=theme, half_days=1)
                     for theme in ("Écouter sans juger", "Repérer les violences", "Abc")]
        for index, referent in enumerate(documents):
            Attendance.create(referent=referent, training=trainings[index % len(trainings)])
        attendances = list(Attendance.select(Attendance, Referent.search_text, Training.search_text)
                           .join_from(Attendance, Referent).join_from(Attendance, Training))
    sources = [Attendance.referent, Attendance.training]
    for term in [*HOSTILE_TERMS, "ecouter elodie", "abc martin", "violences ab", "juger 0549"]:
        expected = sorted(a.id for a in attendances if all(
            holds_words(a.referent.search_text, word) or holds_words(a.training.search_text, word)
            for word in search_words(term)))
        assert grid_finds(Attendance, term, sources) == expected, term


def test_hostile_terms_in_the_search_box_are_no_error(as_role, documents):
    viewer = as_role("viewer")
    for grid in ("referent", "attendance", "structure", "training"):
        for term in HOSTILE_TERMS:
            response = viewer.get(f"/admin/{grid}/?search={urllib.parse.quote(term)}")
            assert response.status_code == 200, (grid, term, response.status_code)


def test_every_write_path_is_found_and_a_deleted_row_is_gone():
    structure = make_structure("Siège")
    with database.connection_context():
        saved = Referent.create(prenom="Zéphyrine", nom="Aubépin", structure=structure)
        Referent.insert_many([
            {"prenom": "Anatole", "nom": f"Quéméneur {index}", "structure": structure.id, "role": "autre",
             "version": 1, "date_maj": "2026-11-24"} for index in range(3)]).execute()
        assert grid_finds(Referent, "quemeneur") == []  # inserted around save: no search text yet
        assert refresh_search_text(Referent) == 3
        assert len(grid_finds(Referent, "quemeneur anatole")) == 3
        rows = [{"prenom": "Barnabé", "nom": "Kerjean", "structure": structure.id, "role": "autre",
                 "version": 1, "date_maj": "2026-11-24"}]
        for row in rows:
            row["search_text"] = search_document(Referent, row)
        Referent.insert_many(rows).execute()
        assert len(grid_finds(Referent, "barnabe kerj")) == 1
        assert grid_finds(Referent, "zephyrine aubepin") == [saved.id]
        Referent.update(search_text="ondine ravel").where(Referent.id == saved.id).execute()
        assert grid_finds(Referent, "zephyrine") == [] and grid_finds(Referent, "ravel") == [saved.id]
        Referent.update(notes="sans effet sur la recherche").where(Referent.id == saved.id).execute()
        assert grid_finds(Referent, "ondine") == [saved.id]
        saved.delete_instance()
        assert grid_finds(Referent, "ondine") == []
        # A new row may take the deleted row's id: it must not inherit its words.
        again = Referent.create(prenom="Romane", nom="Lys", structure=structure)
        assert grid_finds(Referent, "ondine") == [] and grid_finds(Referent, "romane") == [again.id]
        Referent.delete().execute()  # as the suite's empty_database does
        assert grid_finds(Referent, "romane") == [] and grid_finds(Referent, "anatole") == []
        if is_sqlite():  # the index still equals the table (FTS5's own check against it)
            for table in ("structure", "referent", "training"):
                database.execute_sql(f"INSERT INTO {table}_search({table}_search, rank) "
                                     f"VALUES ('integrity-check', 1)")


@pytest.mark.sqlite_suite
def test_every_searchable_table_has_its_trigram_index():
    with database.connection_context():
        tables = {name for (name,) in database.execute_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'")}
    searchable = {model._meta.table_name for model in ALL_MODELS if search_fields(model) is not None}
    assert searchable and {f"{table}_search" for table in searchable} <= tables


@pytest.mark.sqlite_suite
@pytest.mark.parametrize("term", ["martin", "elodie martin", "0549889672"])
def test_a_long_word_reads_the_trigram_index_not_the_table(documents, term):
    query = Referent.select(Referent.id).where(matches_search([Referent], term))
    sql, params = query.sql()
    with database.connection_context():
        plan = " | ".join(row[3] for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
    assert "referent_search VIRTUAL TABLE" in plan and "SCAN t1" not in plan, plan
