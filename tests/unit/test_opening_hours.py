"""Opening hours: Maillage tidies the spaces, OpenStreetMap's parser (opening-hours-py)
says whether the syntax is right; the message stays French."""
import pytest

from models.validation import clean_opening_hours

MESSAGE = "Horaires au format OpenStreetMap attendus, jours en anglais abrégés et heures sur 24 h"


@pytest.mark.parametrize("typed, stored", [
    ("sunrise-sunset", "sunrise-sunset"),
    ("Mo-Fr 09:00-12:00; PH off", "Mo-Fr 09:00-12:00; PH off"),
    ("Mo-Fr 09:00-12:00,14:00-17:00", "Mo-Fr 09:00-12:00,14:00-17:00"),
    ("Mo-Fr 09:00-12:00, 14:00-17:00", "Mo-Fr 09:00-12:00,14:00-17:00"),  # tidied: one list of times
    ("  Mo-Fr 08:30-12:30 ;PH off; ", "Mo-Fr 08:30-12:30; PH off"),
    ("Mo-Fr\t09:00-12:00", "Mo-Fr 09:00-12:00"),  # the parser refuses a tab: tidied first
    ("24/7", "24/7"),
    ("Mo-Fr 09:00-12:00 || \"sur rendez-vous\"", "Mo-Fr 09:00-12:00 || \"sur rendez-vous\""),
    ("Su[1] 10:00-12:00", "Su[1] 10:00-12:00"),  # the first Sunday of the month
    ("Mo-Sa 10:00+", "Mo-Sa 10:00+"),  # open end
    ("week 01-10 Mo 10:00-12:00", "week 01-10 Mo 10:00-12:00"),
    ("Mo-Fr sunrise-(sunset-01:00)", "Mo-Fr sunrise-(sunset-01:00)"),
    ("2027", "2027"),  # a year alone is open that year: OpenStreetMap accepts it
])
def test_what_openstreetmap_accepts_is_accepted(typed, stored):
    assert clean_opening_hours(typed) == stored


@pytest.mark.parametrize("typed", [
    "n importe quoi",
    "Lundi au vendredi 9h-12h",
    "Mo-Fr 9h-12h",
    "Lu-Ve 09:00-12:00",  # days in English
    "09:00-12:00 Mo-Fr",  # times before days
    "Mo-Fr 09:00-1200",
    "Mo-Fr 09:00–12:00",  # an en dash
    "off off",
    "12",
    "week",
    'Mo-Sa 09:00-12:00 "un" "deux"',  # two comments in one rule
    "Mo-Fr 09:00-12:00; ; Sa off",  # an empty rule
    "Xx 10:00",
])
def test_what_openstreetmap_refuses_is_refused_in_french(typed):
    with pytest.raises(ValueError) as error:
        clean_opening_hours(typed)
    assert str(error.value).startswith(MESSAGE)
    assert "exemple : Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00; PH off" in str(error.value)
