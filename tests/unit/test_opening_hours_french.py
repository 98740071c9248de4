"""Opening hours in French (models/opening_hours.py): OpenStreetMap read out in
French, French phrasings written as OpenStreetMap, both ways on the editor's own
values, and a French reading for anything OpenStreetMap's parser accepts."""
import re

import opening_hours
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from models.opening_hours import (
    OSM_DAYS, Row, Schedule, from_french, parse_opening_hours, schedule_from_osm, to_french, to_osm,
)

N = "\u202f"  # narrow no-break space


@pytest.mark.parametrize("osm, french", [
    ("Mo-Fr 09:00-12:00,14:00-17:00; PH off",
     f"lun.–ven. 9{N}h–12{N}h, 14{N}h–17{N}h{N}; fermé les jours fériés"),
    ("Mo,We 09:30-12:00", f"lun., mer. 9{N}h{N}30–12{N}h"),
    ("24/7", f"24{N}h/24"),
    ('"sur rendez-vous"', "sur rendez-vous"),
    ('Mo-Fr 09:00-12:00; Sa off; PH off || "sur rendez-vous"',
     f"lun.–ven. 9{N}h–12{N}h{N}; sam. fermé{N}; fermé les jours fériés{N}; sur rendez-vous"),
    ("Mo-Su 08:00-18:00", f"tous les jours 8{N}h–18{N}h"),
    ("Mo-We,Fr 08:00-12:00", f"lun.–mer., ven. 8{N}h–12{N}h"),
    ("Mo-Fr 00:00-24:00", f"lun.–ven. 24{N}h/24"),
    # Not the editor's, still French:
    ('Mo-Fr 09:00-12:00 "sur rendez-vous"', f"lun.–ven. 9{N}h–12{N}h (sur rendez-vous)"),
    ("Mo-Fr 09:00-12:00; PH 10:00-11:00", f"lun.–ven. 9{N}h–12{N}h{N}; jours fériés 10{N}h–11{N}h"),
    ("Su[1] 10:00-12:00", f"dim.[1] 10{N}h–12{N}h"),
    ("Mo-Sa 10:00+", f"lun.–sam. 10{N}h+"),
    ("  Mo-Fr 08:30-12:30 ;PH off; ", f"lun.–ven. 8{N}h{N}30–12{N}h{N}30{N}; fermé les jours fériés"),
    ("", ""),
    (None, ""),
])
def test_osm_reads_in_french(osm, french):
    assert to_french(osm) == french


@pytest.mark.parametrize("typed, osm", [
    ("du lundi au vendredi 9h-12h et 14h-17h", "Mo-Fr 09:00-12:00,14:00-17:00"),
    ("Du lundi au vendredi de 9 h à 12 h et de 14 h à 17 h, fermé les jours fériés",
     "Mo-Fr 09:00-12:00,14:00-17:00; PH off"),
    ("lundi, mercredi 9h30-12h", "Mo,We 09:30-12:00"),
    ("lundi et mercredi 9:30-12:00", "Mo,We 09:30-12:00"),
    ("24h/24", "24/7"),
    ("24 h/24, 7 j/7", "24/7"),
    ("sur rendez-vous", '"sur rendez-vous"'),
    ("Uniquement sur RDV", '"sur rendez-vous"'),
    ("fermé les jours fériés", "PH off"),
    ("lundi 9h-12h, mardi 14h-17h ; samedi fermé", "Mo 09:00-12:00; Tu 14:00-17:00; Sa off"),
    ("tous les jours 8h-20h", "Mo-Su 08:00-20:00"),
    ("lun.-ven. 9h-midi", "Mo-Fr 09:00-12:00"),
    ("du lundi au vendredi sauf jours fériés 8h30-17h", "Mo-Fr 08:30-17:00; PH off"),
    ("du lundi au vendredi 9h-12h sur rdv", 'Mo-Fr 09:00-12:00 || "sur rendez-vous"'),
    ("LUNDI–VENDREDI 9H–12H", "Mo-Fr 09:00-12:00"),
    (f"lun.–ven. 9{N}h–12{N}h, 14{N}h–17{N}h{N}; fermé les jours fériés",
     "Mo-Fr 09:00-12:00,14:00-17:00; PH off"),
])
def test_french_phrasings_become_osm(typed, osm):
    assert from_french(typed) == osm
    assert opening_hours.validate(osm)


@pytest.mark.parametrize("typed, detail", [
    ("n'importe quoi", "« n'importe quoi »"),
    ("lundi", "indiquez les heures de lun."),
    ("lundi 25h-26h", "une heure dépasse 24 h"),
    ("du lundi au vendredi sauf le mercredi 9h-12h", "« sauf »"),
    ("", "Horaires non compris"),
])
def test_what_is_not_understood_is_refused_in_french(typed, detail):
    with pytest.raises(ValueError) as error:
        from_french(typed)
    assert detail in str(error.value)
    assert "du lundi au vendredi 9 h-12 h et 14 h-17 h" in str(error.value)


def test_parse_takes_osm_then_french():
    assert parse_opening_hours("Mo-Fr 09:00-12:00, 14:00-17:00") == "Mo-Fr 09:00-12:00,14:00-17:00"
    assert parse_opening_hours("du lundi au vendredi 9h-12h") == "Mo-Fr 09:00-12:00"
    # The short directory's former reading (French days in OpenStreetMap's layout) is read too.
    assert parse_opening_hours("Lu-Ve 09:00-12:00; jours fériés fermé") == "Mo-Fr 09:00-12:00; PH off"
    with pytest.raises(ValueError):
        parse_opening_hours("Xx 10:00")


def test_editor_rows_read_back():
    osm = 'Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00; PH off || "sur rendez-vous"'
    assert schedule_from_osm(osm) == Schedule(
        (Row((0, 1, 2, 3, 4), (("09:00", "12:00"), ("14:00", "17:00"))), Row((5,), (("09:00", "12:00"),))),
        holidays_closed=True, appointment=True)
    assert schedule_from_osm("Su[1] 10:00-12:00") is None  # stays text in the form
    assert schedule_from_osm("Mo-Tu 09:00-12:00") is None  # not written so by the editor


# --- generated values -----------------------------------------------------------

times = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
time_range = st.tuples(times, times).filter(lambda r: r[0] != r[1])
rows = st.builds(
    Row,
    st.sets(st.integers(0, 6), min_size=1).map(lambda days: tuple(sorted(days))),
    st.lists(time_range, max_size=3).map(tuple),
)
schedules = st.builds(Schedule, st.lists(rows, max_size=4).map(tuple), st.booleans(), st.booleans(), st.booleans())


@given(schedules)
@settings(max_examples=200, deadline=None)
def test_the_editors_values_go_to_french_and_back(schedule):
    osm = to_osm(schedule)
    assume(osm)
    assert opening_hours.validate(osm), osm
    french = to_french(osm)
    assert from_french(french) == osm
    assert schedule_from_osm(osm) is not None


day = st.sampled_from(OSM_DAYS)
day_selector = st.one_of(
    day, st.tuples(day, day).map("-".join), st.lists(day, min_size=1, max_size=3, unique=True).map(",".join),
    st.just("PH"), st.just("SH"), st.builds(lambda d, n: f"{d}[{n}]", day, st.integers(1, 4)),
)
month = st.sampled_from(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"])
extended_time = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 30), st.sampled_from([0, 30]))
time_selector = st.one_of(
    st.lists(st.tuples(extended_time, extended_time).map("-".join), min_size=1, max_size=3).map(",".join),
    st.builds(lambda t: f"{t}+", times), st.just("sunrise-sunset"), st.just("sunrise-(sunset-01:00)"),
    st.just("24/7"),
)
modifier = st.sampled_from(["", " off", " closed", " open", " unknown", ' "sur rendez-vous"', ' "fermé l\'été"'])
rule = st.builds(
    lambda prefix, days, when, state: " ".join(p for p in (prefix, days, when) if p) + state,
    st.sampled_from(["", "week 01-10", "Jan-Mar", "2027", "easter"]) | month,
    st.none() | day_selector, st.none() | time_selector, modifier,
).filter(str.strip)
values = st.builds(
    lambda rules, separators: "".join(r + s for r, s in zip(rules, separators))[: -1 or None].rstrip("; ,|"),
    st.lists(rule, min_size=1, max_size=4),
    st.lists(st.sampled_from(["; ", ", ", " || "]), min_size=4, max_size=4),
)


@given(values)
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
def test_every_value_openstreetmap_accepts_reads_in_french(value):
    assume(opening_hours.validate(value))
    french = to_french(value)
    assert french.strip()
    assert not re.search(r"\b(Mo|Tu|We|Th|Fr|Su|PH|off|closed)\b", french), french


words = st.sampled_from(["du", "lundi", "au", "vendredi", "mar.", "dim", "9h", "12h30", "14:00", "-", "à", "et", ",",
                         ";", "fermé", "jours fériés", "sur rendez-vous", "24h/24", "7j/7", "midi", "sauf", "25h",
                         "lu-ve", "tous les jours", "9", "h", "/", "||", '"', "Mo-Fr"])


@given(st.one_of(st.text(max_size=60), st.lists(words, max_size=12).map(" ".join)))
@settings(max_examples=300, deadline=None)
def test_any_typed_text_is_stored_as_valid_osm_or_refused_in_french(text):
    try:
        osm = parse_opening_hours(text)
    except ValueError as error:
        assert str(error).startswith(("Horaires", "Une seule ligne")), error
    else:
        assert opening_hours.validate(osm), osm
        assert to_french(osm) is not None
