"""The import's fast paths give exactly the slow paths' answers: SIRET checked
without stdnum's cleaning, metropolitan phone numbers without parsing their text,
one-line text checked in one call, choices' codes built once."""
import sys

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from stdnum import luhn

from models import validation
from models.directory import TYPOLOGIES
from models.validation import (
    BLANK_CHARACTERS, OVERSEAS_CANDIDATE_PREFIXES, Validator, _metropolitan_e164,
    _shows_something, choice_codes, clean_phone, clean_siret, one_line_text_error,
)

DIGITS = "0123456789"


def stdnum_answer(value):
    """clean_siret's answer without its fast path: stdnum decides."""
    try:
        return validation._siret_by_stdnum(value)
    except ValueError:
        return "refused"


def answer(function, value):
    try:
        return function(value)
    except ValueError as error:
        return ("refused", str(error))


def with_key(body):
    return body + luhn.calc_check_digit(body)


sirets = st.one_of(
    st.text(DIGITS, min_size=14, max_size=14),  # nine in ten have a wrong key
    st.text(DIGITS, min_size=8, max_size=8).map(lambda siren: with_key(with_key(siren) + "0001")[:14]),
    st.text(DIGITS, min_size=13, max_size=13).map(with_key),  # right SIRET key, SIREN's unchecked
    st.text(DIGITS, min_size=5, max_size=5).map(lambda tail: with_key("356000000" + tail[:4])),
    st.text(DIGITS + " .", min_size=10, max_size=20),
)


@settings(max_examples=500, deadline=None)
@given(sirets)
@example("73282932000074")
@example("00000000000000")
@example("35600000000048")  # La Poste's head office: Luhn
@example("35600000049837")  # an establishment of La Poste: sum of digits
@example("732 829 320 00074")
def test_fast_siret_path_agrees_with_stdnum(value):
    fast = validation._plain_valid_siret(value)
    slow = stdnum_answer(value)
    if fast:
        assert slow == value
    result = answer(clean_siret, value)
    if slow == "refused":
        assert result[0] == "refused"
    else:
        assert result == slow


def old_clean_phone(value):
    """clean_phone without its fast path: the text parsed by phonenumbers."""
    raw = validation.PHONE_SEPARATORS_RE.sub("", value or "")
    return raw if validation.SHORT_NUMBER_RE.match(raw) else validation._phone_by_parsing(raw)


national_numbers = st.text(DIGITS, min_size=9, max_size=9).map(lambda digits: "0" + digits)
phones = st.one_of(
    national_numbers,
    national_numbers.map(lambda number: "+33" + number[1:]),
    national_numbers.map(lambda number: " ".join(number[i:i + 2] for i in range(0, 10, 2))),
    national_numbers.map(lambda number: ".".join(number[i:i + 2] for i in range(0, 10, 2))),
    st.sampled_from(sorted(OVERSEAS_CANDIDATE_PREFIXES)).flatmap(
        lambda prefix: st.text(DIGITS, min_size=6, max_size=6).map(lambda tail: prefix + tail)),
    st.text(DIGITS + "+ .-", min_size=1, max_size=16),
)


@settings(max_examples=800, deadline=None)
@given(phones)
@example("05 49 00 00 00")
@example("+33 5 49 88 04 37")
@example("0262 12 34 56")
@example("+262 262 12 34 56")
@example("0596 12 34 56")
@example("08 00 00 00 00")
@example("09 72 00 00 00")
@example("07 00 00 00 00")
@example("3919")
def test_fast_phone_path_agrees_with_phonenumbers(value):
    expected = answer(old_clean_phone, value)
    assert answer(clean_phone.__wrapped__, value) == expected
    assert answer(clean_phone, value) == expected  # remembered: the same answer again
    assert answer(clean_phone, value) == expected


def test_every_metropolitan_block_agrees():
    """Each block of numbers sharing their first five digits (0549…), its first, middle
    and last numbers: the fast path answers like the parser or leaves it to it."""
    for block in range(1000, 10_000):
        for tail in ("00000", "55555", "99999"):
            raw = f"0{block}{tail}"
            fast = _metropolitan_e164(raw)
            if fast is not None:
                assert fast == old_clean_phone(raw), raw
            elif raw[:4] not in OVERSEAS_CANDIDATE_PREFIXES:
                assert answer(old_clean_phone, raw)[0] == "refused", raw


def test_overseas_prefixes_stay_on_the_slow_path():
    for prefix in OVERSEAS_CANDIDATE_PREFIXES:
        assert _metropolitan_e164(prefix + "123456") is None
        assert _metropolitan_e164("+33" + prefix[1:] + "123456") is None


def test_every_printable_character_is_judged_alike():
    """The one-line check's fast path reads a printable text as showing something
    unless it holds only spaces and blank characters: true of every code point."""
    for code in range(sys.maxunicode + 1):
        character = chr(code)
        if character.isprintable():
            assert _shows_something(character) == (character != " " and character not in BLANK_CHARACTERS)


def old_one_line_text_error(value):
    """one_line_text_error without its fast path."""
    return validation._one_line_error_by_character(value) if value else None


@settings(max_examples=500, deadline=None)
@given(st.text(st.one_of(st.characters(), st.sampled_from(" \t\n\u202e\u3164\u2800\xa0\x85\u180e"))))
@example("   ")
@example("\u3164 \u2800")
@example("CCAS de Loudun")
def test_fast_one_line_check_agrees(value):
    assert one_line_text_error(value) == old_one_line_text_error(value)


def test_choice_codes_are_built_once_and_follow_the_list():
    assert choice_codes(TYPOLOGIES) is choice_codes(TYPOLOGIES)
    assert choice_codes(TYPOLOGIES) == {code for code, _label in TYPOLOGIES}
    other = [("A", "a")]
    assert choice_codes(other) == {"A"}
    validator = Validator()
    validator.choice("typologie", "NOPE", TYPOLOGIES, "Typologie inconnue.")
    validator.choice("role", "A", other)
    assert validator.errors == {"typologie": "Typologie inconnue."}


@pytest.mark.parametrize("value", ["05 49 00 00 00", "0262 12 34 56", "12", "05 49"])
def test_remembered_phone_numbers_give_the_same_message(value):
    assert answer(clean_phone, value) == answer(old_clean_phone, value) == answer(clean_phone, value)
