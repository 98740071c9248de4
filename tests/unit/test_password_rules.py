"""The password rules (models/users.py), the same for the admin form, the CLI,
MAILLAGE_ADMIN_PASSWORD and « Mon compte »."""
import pytest

from models.users import check_password_rules, common_passwords, generate_password
from tests.helpers import PASSWORD


@pytest.mark.parametrize("password, message", [
    ("court", "au moins 12 caractères"),
    ("onze-lettre", "au moins 12 caractères"),
    ("aaaaaaaaaaaaaaaa", "un seul caractère répété"),
    (" " * 14, "un seul caractère répété, ni des espaces"),
    (" \t " * 5, "ni des espaces"),
    ("claire.martin@ccas.fr!", "ne doit pas contenir le courriel"),
    ("Claire.Martin-2026", "ne doit pas contenir le courriel"),
    ("bonjour-MARTIN-2026", "ne doit pas contenir le courriel"),
    ("motdepasse123", "des plus courants"),
    ("1234567890123", "des plus courants"),
    ("Password1234", "des plus courants"),
])
def test_weak_passwords_are_refused_in_french(password, message):
    with pytest.raises(ValueError, match=message):
        check_password_rules(password, "claire.martin@ccas.fr")


@pytest.mark.parametrize("password", [
    PASSWORD, "une phrase assez longue", "Cl@ire-n'est-pas-là", "vingt-deux caractères",
])
def test_good_passwords_pass(password):
    check_password_rules(password, "claire.martin@ccas.fr")
    check_password_rules(password, "admin@test.fr")


def test_the_bundled_list_is_djangos_twenty_thousand():
    assert len(common_passwords()) > 19_000
    assert {"123456", "password", "iloveyou", "motdepasse123"} <= common_passwords()


def test_generated_passwords_pass_the_rules():
    for _ in range(200):
        check_password_rules(generate_password("admin@maillage.local"), "admin@maillage.local")
