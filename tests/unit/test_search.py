"""Finding records as people type them (models/search.py): the SQL form finds what
the Python form says, on this suite's database (SQLite or PostgreSQL)."""
import pytest

from models import Structure, database
from models.search import fold_text, matches_words, text_columns
from tests.helpers import make_structure

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
