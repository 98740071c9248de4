"""The import's batch shortcuts give exactly what the record-by-record paths give:
each model's column checks prepared once (BaseModel._check_column_limits) against
the field-by-field rule they replaced, a stored row built into a record as peewee
builds it, a SIRET remembered per text, the cycle collector paused and resumed."""
import datetime
import gc
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from peewee import CharField, DecimalField, TextField

from documents.importing.plan import StoredRecords
from models import Structure, Territory, database
from models.directory import THEMATIQUES
from models.batch_save import paused_cycle_collection
from models.budget.models import CostLine
from models.db import BaseModel, column_limit_error, is_bookkeeping
from models.formatting import format_number
from models.users import LoginFailure
from models.validation import INTEGER_MAX, ValidationError, clean_siret, free_text_error, one_line_text_error


def old_column_limit_error(field, value, typed_text=True):
    """column_limit_error as it was, reading the field for every value."""
    if isinstance(value, str):
        max_length = getattr(field, "max_length", None)
        if max_length and len(value) > max_length:
            return f"{max_length} caractères au plus ({len(value)} saisis)."
        if typed_text and isinstance(field, CharField):
            return one_line_text_error(value)
        if typed_text and isinstance(field, TextField):
            return free_text_error(value)
        return None
    if isinstance(value, Decimal) and isinstance(field, DecimalField) and field.max_digits:
        limit = Decimal(10) ** (field.max_digits - field.decimal_places)
        if not -limit < value < limit:
            return f"Valeur trop grande (moins de {format_number(limit, 0)} attendu)."
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > INTEGER_MAX:
        return f"Nombre trop grand ({format_number(INTEGER_MAX, 0)} au plus)."
    return None


def old_check_column_limits(record):
    errors = {}
    for field in type(record)._meta.sorted_fields:
        value = record.__data__.get(field.name)
        if value is None or is_bookkeeping(field):
            continue
        message = old_column_limit_error(field, value, record._meta.typed_text)
        if message:
            errors[field.name] = message
    return errors


def errors_of(record):
    try:
        record._check_column_limits()
    except ValidationError as error:
        return error.errors
    return {}


# Text people type and hostile text: controls, breaks, bidi overrides, blanks only, long.
hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(st.sampled_from("ab é\t\n\r\x00\x1f\x7f\x85\u2028\u202e\u2066\u3164\u2800\u200b"), max_size=12),
    st.integers(0, 300).map(lambda n: "x" * n),
    st.integers(16_000, 20_500).map(lambda n: "n" * n),
)
values = st.one_of(
    st.none(), hostile_text, st.booleans(),
    st.integers(-2**40, 2**40), st.sampled_from([INTEGER_MAX, INTEGER_MAX + 1, -INTEGER_MAX - 1]),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-10**9, max_value=10**9),
    st.dates(),
)
MODELS = [Structure, CostLine, LoginFailure]  # text, decimal and machine-text (typed_text False) columns


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(MODELS), st.data())
@example(Structure, None)
def test_each_models_prepared_column_checks_agree_with_the_field_by_field_rule(model, data):
    record = model(__no_default__=1)
    for field in model._meta.sorted_fields:
        record.__data__[field.name] = (
            "\u202e" + "x" * 300 if data is None else data.draw(values, label=field.name))
    assert errors_of(record) == old_check_column_limits(record)
    for field in model._meta.sorted_fields:
        value = record.__data__[field.name]
        if value is not None:
            assert column_limit_error(field, value, model._meta.typed_text) == \
                old_column_limit_error(field, value, model._meta.typed_text)


def test_every_model_checks_every_column_but_its_bookkeeping():
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)
    for model in subclasses(BaseModel):
        record = model(__no_default__=1)
        for field in model._meta.sorted_fields:
            record.__data__[field.name] = "\x00" if isinstance(field, (CharField, TextField)) else 2**40
        assert errors_of(record) == old_check_column_limits(record), model.__name__


def test_a_stored_row_becomes_the_record_peewee_reads():
    with database.connection_context():
        territory = Territory.create(name="Bassin de Loudun")
        structure = Structure.create(
            nom="CCAS de Loudun", typologie="CCAS", siret="73282932000074", commune="Loudun",
            telephone="05 49 98 00 00", territory=territory, thematiques=[code for code, _label in THEMATIQUES[:2]],
            places=12, actif=False, date_maj=datetime.date(2026, 1, 15), description="Accueil de jour toute l'année",
        )
        read = Structure.get_by_id(structure.id)
        built = StoredRecords(Structure).get(structure.id)
    assert built.__data__ == read.__data__
    assert {name: type(value) for name, value in built.__data__.items()} == \
        {name: type(value) for name, value in read.__data__.items()}
    assert not built._dirty and built._dirty.as_read == read._dirty.as_read
    assert built.territory_id == territory.id and str(built) == "CCAS de Loudun (Loudun)"


@pytest.mark.parametrize("value", ["73282932000074", "732 829 320 00074", "73282932000075", "123", "00000000000000"])
def test_a_remembered_siret_gives_the_same_answer_every_time(value):
    def answer(function):
        try:
            return function(value)
        except ValueError as error:
            return ("refused", str(error))
    first = answer(clean_siret)
    assert first == answer(clean_siret) == answer(clean_siret.__wrapped__)


def test_the_cycle_collector_is_paused_then_resumed_by_whoever_paused_it():
    assert gc.isenabled()
    with paused_cycle_collection():
        assert not gc.isenabled()
        with paused_cycle_collection():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner batch did not resume it
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), paused_cycle_collection():
        1 / 0
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_cycle_collection():
            pass
        assert not gc.isenabled()  # paused by someone else: left paused
    finally:
        gc.enable()
