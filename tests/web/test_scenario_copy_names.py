"""A scenario whose name fills the column (255 characters) can be duplicated,
again and again: the copy's name is shortened to fit, never a 500."""
from decimal import Decimal

from models import CostLine, Scenario, database
from models.budget import duplicate_scenario
from tests.helpers import make_scenario

LIMIT = Scenario.name.max_length


def _names():
    with database.connection_context():
        return sorted(s.name for s in Scenario.select())


def test_a_255_character_name_is_shortened_in_each_copy():
    original = make_scenario("é" * LIMIT)
    with database.connection_context():
        CostLine.create(scenario=original, category="Personnel", designation="Accueil", amount=Decimal("1000"))
        first, second = duplicate_scenario(original), duplicate_scenario(original)
        copy_of_copy = duplicate_scenario(first)
        assert first.name == "é" * (LIMIT - len(" (copie)") - 1) + "… (copie)"
        assert second.name == "é" * (LIMIT - len(" (copie) (2)") - 1) + "… (copie) (2)"
        assert copy_of_copy.name == "é" * (LIMIT - len(" (copie) (3)") - 1) + "… (copie) (3)"
        for copy in (first, second, copy_of_copy):
            assert len(copy.name) == LIMIT and copy.cost_lines.count() == 1
    assert len(set(_names())) == 4


def test_the_duplicate_action_twice_on_a_255_character_name(as_role):
    scenario = make_scenario("S" * LIMIT)
    editor = as_role("editor")
    for expected in ("S" * 246 + "… (copie)", "S" * 242 + "… (copie) (2)"):
        response = editor.post("/admin/scenario/action/", {"action": "duplicate", "rowid": [scenario.id]},
                               form_url="/admin/scenario/", follow_redirects=True)
        assert response.status_code == 200
        assert f"« {expected} »" in response.get_data(as_text=True)
    assert len(_names()) == 3
