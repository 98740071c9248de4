"""Planning an import: a fixed number of queries whatever the number of lines,
the CSV dialect sniffed, duplicates and matches found in memory."""
import pytest
from stdnum import luhn

from documents.importing import apply_import, plan_import
from models import Referent, Structure, Territory, database
from tests.helpers import QueryCounter, make_structure, make_territory


def siret(number):
    """A valid SIRET for a small number: a SIREN and a whole number with their Luhn keys."""
    siren = f"12345678{luhn.calc_check_digit('12345678')}"
    body = f"{siren}{number:04d}"
    return body + luhn.calc_check_digit(body)


def queries_to_plan(kind, data):
    with QueryCounter() as counter, database.connection_context():
        plan = plan_import(kind, f"{kind}.csv", data)
    return counter.count, plan


def csv_file(header, line, lines, offset):
    """`header`, then `lines` lines: `line` formatted with n and siret(n), n from `offset`."""
    return "\n".join([header] + [line.format(n=n, siret=siret(n)) for n in range(offset, offset + lines)]).encode()


def structures_file(lines, offset=0):
    return csv_file("Nom;Typologie;SIRET;Commune;Territoire;Courriel",
                    "Structure {n};ASSO;{siret};Poitiers;Bassin 1;s{n}@asso.fr", lines, offset)


def referents_file(lines, offset=0):
    return csv_file("Prénom;Nom;Structure;SIRET de la structure;Courriel",
                    "Prénom {n};Nom {n};;{siret};r{n}@asso.fr", lines, offset)


@pytest.fixture
def directory():
    """Territories, 300 structures already known, half of them with a referent."""
    with database.connection_context(), database.atomic():
        for i in range(3):
            Territory.create(name=f"Bassin {i}")
        for i in range(300):
            structure = Structure.create(nom=f"Structure {i}", typologie="ASSO", siret=siret(i),
                                         commune="Poitiers")
            if i % 2:
                Referent.create(prenom=f"Prénom {i}", nom=f"Nom {i}", structure=structure,
                                courriel=f"r{i}@asso.fr")


@pytest.mark.parametrize("kind, make_file, offset", [
    ("structures", structures_file, 250), ("referents", referents_file, 95),
])
def test_planning_costs_the_same_queries_for_10_or_200_lines(directory, kind, make_file, offset):
    # The first lines match known records (to update or unchanged), the others are new.
    small, small_plan = queries_to_plan(kind, make_file(10, offset))
    large, large_plan = queries_to_plan(kind, make_file(200, offset))
    assert not small_plan.errors and not large_plan.errors, large_plan.errors[:3]
    assert len(large_plan.rows) == 200
    assert large_plan.count("create") > 0 and large_plan.count("create") < 200
    assert small == large, (small, large)


def test_a_siret_already_used_is_refused_without_a_query_per_line():
    make_structure("Ancienne", siret=siret(1), commune="Loudun")
    # Same name and town as nothing known, but a SIRET another record holds: it
    # matches that record (an update), never a second record with the same SIRET.
    data = f"Nom;Typologie;SIRET;Commune\nNouvelle;ASSO;{siret(1)};Poitiers\n".encode()
    _count, plan = queries_to_plan("structures", data)
    assert [(row.action, row.record.nom) for row in plan.rows] == [("update", "Nouvelle")]


def test_two_lines_with_one_siret_are_a_duplicate():
    data = (f"Nom;Typologie;SIRET\nUne;ASSO;{siret(1)}\nDeux;ASSO;{siret(1)}\n").encode()
    _count, plan = queries_to_plan("structures", data)
    assert [(e.line, e.message) for e in plan.errors] == [
        (3, "Ligne en double : même fiche que la ligne 2."),
    ]


def test_a_referent_is_matched_by_email_whatever_its_case():
    structure = make_structure("CCAS de Loudun", commune="Loudun")
    with database.connection_context():
        Referent.create(prenom="Claire", nom="Martin", structure=structure, courriel="c.martin@ccas.fr")
    data = "Prénom;Nom;Structure;Courriel\nClaire;Martin-Durand;CCAS de Loudun;C.Martin@CCAS.fr\n".encode()
    _count, plan = queries_to_plan("referents", data)
    assert [(row.action, row.changes) for row in plan.rows] == [("update", ["Nom"])]
    with database.connection_context():
        apply_import(plan, author="editor@test.fr")
        assert [(r.nom, r.courriel) for r in Referent.select()] == [("Martin-Durand", "c.martin@ccas.fr")]


@pytest.mark.parametrize("text", [
    'Nom;Typologie;Commune\n"CCAS, de Civray";CCAS;Civray\n',  # a comma inside a quoted value
    'Nom,Typologie,Commune\n"CCAS; de Civray",CCAS,Civray\n',  # a semicolon inside a quoted value
    "Nom\tTypologie\tCommune\nCCAS, de Civray\tCCAS\tCivray\n",  # tabs, as a spreadsheet copies
])
def test_the_csv_dialect_is_sniffed(text):
    make_territory("Bassin")
    _count, plan = queries_to_plan("structures", text.encode())
    assert not plan.errors and not plan.ignored_columns, (plan.errors, plan.ignored_columns)
    assert [(row.record.typologie, row.record.commune) for row in plan.rows] == [("CCAS", "Civray")]
