"""Text no field may hold, refused by every save (BaseModel._check_column_limits):
controls, line breaks, bidi overrides and invisible-only values in one-line
fields; oversized or control-laden free text; the all-zero SIRET."""
import pytest

from models import Referent, Structure, Territory, ValidationError, database
from models.validation import FREE_TEXT_MAX_LENGTH, clean_siret
from tests.helpers import make_structure

ONE_LINE_REFUSALS = {
    "CCAS\nde Loudun": "Une seule ligne attendue",
    "CCAS\r\nde Loudun": "Une seule ligne attendue",
    "CCAS\tde Loudun": "Une seule ligne attendue",
    "CCAS\u2028Loudun": "Une seule ligne attendue",
    "CCAS\x07": "Caractère de contrôle interdit (U+0007)",
    "CCAS\x00": "Caractère de contrôle interdit (U+0000)",
    "CCAS\x7f": "Caractère de contrôle interdit (U+007F)",
    "CCAS\x9b": "Caractère de contrôle interdit (U+009B)",
    "CCAS \u202egnp.exe": "Caractère d'inversion du sens d'écriture interdit (U+202E)",
    "CCAS \u2066x\u2069": "Caractère d'inversion du sens d'écriture interdit (U+2066)",
    "\u202aCCAS": "Caractère d'inversion du sens d'écriture interdit (U+202A)",
    "\u200b\u200b\u200b": "aucun caractère visible",
    "\u200b\u200c\u200d\u2060\ufeff": "aucun caractère visible",
    " \u00ad \u3164 ": "aucun caractère visible",
}


@pytest.mark.parametrize("value, message", ONE_LINE_REFUSALS.items())
def test_one_line_fields_refuse_controls_bidi_and_invisible_names(value, message):
    with database.connection_context():
        with pytest.raises(ValidationError) as raised:
            Structure(nom=value, typologie="CCAS").save()
        assert message in raised.value.errors["nom"]
        assert raised.value.describe().startswith("Structure — Nom : ")
        assert Structure.select().count() == 0


@pytest.mark.parametrize("model, fields, field", [
    (Referent, {"prenom": "Zoé", "nom": "Mar\ntin"}, "nom"),
    (Territory, {"name": "RVC\u202eLoudun"}, "name"),
    (Structure, {"nom": "CCAS", "typologie": "CCAS", "commune": "Loudun\x0b"}, "commune"),
])
def test_every_model_gets_the_rule(model, fields, field):
    with database.connection_context():
        if model is Referent:
            fields["structure"] = Structure.create(nom="CCAS", typologie="CCAS")
        with pytest.raises(ValidationError) as raised:
            model(**fields).save()
        assert set(raised.value.errors) == {field}


@pytest.mark.parametrize("value", [
    "CCAS de Loudun", "Zoé N’Diaye-Lefèvre", "Œuvre d’accueil", "مركز", "ישראל", "援助中心",
    "Zoé\u200bMartin",  # a zero-width space among letters is kept (no harm, invisible)
    "CCAS 🏠",
])
def test_ordinary_names_are_kept_as_typed(value):
    with database.connection_context():
        structure = Structure.create(nom=value, typologie="CCAS")
        assert Structure.get_by_id(structure.id).nom == value


def test_free_text_keeps_lines_and_tabs_up_to_the_limit():
    notes = ("Ligne 1\r\n\tLigne 2\n" * 10_000)[:FREE_TEXT_MAX_LENGTH]
    with database.connection_context():
        structure = Structure.create(nom="CCAS", typologie="CCAS", notes=notes, description="Texte \u202eà l'envers\u202c, permis dans un texte libre")
        assert Structure.get_by_id(structure.id).notes == notes


@pytest.mark.parametrize("notes, message", [
    ("x" * (FREE_TEXT_MAX_LENGTH + 1), "20\u202f000 caractères au plus (20\u202f001 saisis)."),
    ("x" * 9 * 1024 * 1024, "20\u202f000 caractères au plus (9\u202f437\u202f184 saisis)."),
    ("notes\x00", "Caractère de contrôle interdit (U+0000)."),
    ("notes\x1b[31m", "Caractère de contrôle interdit (U+001B)."),
])
def test_free_text_has_a_size_limit_and_no_controls(notes, message):
    structure = make_structure("CCAS")
    with database.connection_context():
        structure.notes = notes
        with pytest.raises(ValidationError) as raised:
            structure.save()
        assert raised.value.errors == {"notes": message}
        assert Structure.get_by_id(structure.id).notes is None


@pytest.mark.parametrize("siret", ["00000000000000", "000 000 000 00000"])
def test_the_all_zero_siret_is_refused(siret):
    with pytest.raises(ValueError, match="SIREN 000 000 000"):
        clean_siret(siret)
    with database.connection_context():
        with pytest.raises(ValidationError) as raised:
            Structure(nom="CCAS", typologie="CCAS", siret=siret).save()
        assert "SIREN 000 000 000" in raised.value.errors["siret"]


def test_a_real_siret_still_passes():
    assert clean_siret("732 829 320 00074") == "73282932000074"
