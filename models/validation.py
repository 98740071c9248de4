"""Checks shared by the panel, the CLI and the importer. Messages are French."""
import datetime
import functools
import re
import unicodedata
from decimal import Decimal
from urllib.parse import urlsplit

import opening_hours
import phonenumbers
from stdnum.fr import siret as stdnum_siret
from stdnum.exceptions import ValidationError as StdnumError

from .formatting import NARROW_NBSP, format_number


class ValidationError(Exception):
    """Field name → French message. Raised before anything is written."""

    def __init__(self, errors):
        self.errors = dict(errors)
        self.model = None  # set by BaseModel, to name the fields in messages
        super().__init__("; ".join(f"{k} : {v}" for k, v in self.errors.items()))

    def describe(self):
        """One French sentence naming each field by its label."""
        parts = []
        for name, message in self.errors.items():
            field = self.model._meta.fields.get(name) if self.model else None
            parts.append(f"{field.verbose_name} : {message}" if field else message)
        prefix = f"{self.model._meta.verbose_name.capitalize()} — " if self.model else ""
        return prefix + " ; ".join(parts)


# PostgreSQL's `integer`, the narrowest of our databases: ids and counts stay below.
INTEGER_MAX = 2**31 - 1
RECORD_ID_RE = re.compile(r"[0-9]+")  # ASCII digits only: "²".isdigit() is True
PLAIN_NUMBER_RE = re.compile(r"[-+]?[0-9]+(\.[0-9]*)?|[-+]?\.[0-9]+")

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
POSTAL_CODE_RE = re.compile(r"^\d{5}$")
# INSEE commune codes: 5 characters, Corsica uses 2A / 2B.
INSEE_CODE_RE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
DEPARTEMENT_RE = re.compile(r"^(\d{2}|2[AB]|97\d)$")
# Emergency and helpline numbers: 15, 17, 18, 112, 115, 119, 116 006, 3919…
SHORT_NUMBER_RE = re.compile(r"^(1[5789]|11\d|116\d{3}|3\d{3})$")
# A number dialled in France: 0 then 9 digits. Overseas departments share this plan
# but not the +33 country code (0262 12 34 56 is +262 262 12 34 56).
NATIONAL_NUMBER_RE = re.compile(r"0[1-9][0-9]{8}")
# Checked before FR: phonenumbers also calls 0596… or 0269… valid +33 numbers.
# BL and MF share GP's +590 plan; PM's numbers have 6 digits, never 0 + 9.
OVERSEAS_REGIONS = ("GP", "MQ", "GF", "RE", "YT")
OVERSEAS_TYPES = {
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}
# Prefixes the French plan gives to overseas departments only: such a number is
# never +33, even in a block phonenumbers does not list yet (0596 12 34 56).
OVERSEAS_PREFIXES = {
    "0590": "GP", "0690": "GP", "0691": "GP",
    "0596": "MQ", "0696": "MQ", "0697": "MQ",
    "0594": "GF", "0694": "GF",
    "0262": "RE", "0263": "RE", "0692": "RE", "0693": "RE",
    "0269": "YT", "0639": "YT",
}
# The first four digits of every number phonenumbers may call overseas (its fixed and
# mobile plans for OVERSEAS_REGIONS, checked by tests/unit/test_import_speed.py): any
# other number is metropolitan without trying five regions (the importer parses
# 10 000 numbers).
OVERSEAS_CANDIDATE_PREFIXES = frozenset(OVERSEAS_PREFIXES) | {"0268", "0598", "0709"}


# Text typed into a one-line field (a name, an address): no control character (C0
# with tab and line breaks, DEL, C1), and no bidirectional override or isolate,
# which can show a text in another order than it is stored ("Trojan Source").
LINE_BREAKS = "\n\r\x0b\x0c\x85\u2028\u2029"
CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f]")
BIDI_CONTROL_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Free text (notes, descriptions): tabs and line breaks are fine, other C0 controls
# are not (PostgreSQL refuses NUL, the XLSX exports the others); and a size limit.
FREE_TEXT_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
FREE_TEXT_MAX_LENGTH = 20_000
# Characters that show nothing although they are not spaces (Hangul fillers, braille blank…).
BLANK_CHARACTERS = set("\u115f\u1160\u3164\uffa0\u2800\u180e")
PRINTABLE_BLANKS = " " + "".join(sorted(BLANK_CHARACTERS))  # all a printable text may hold and show nothing
NOTHING_VISIBLE = "Ce champ ne contient aucun caractère visible."


def _shows_something(character):
    if character.isspace() or character in BLANK_CHARACTERS:
        return False
    return unicodedata.category(character) not in ("Cf", "Cc", "Zs", "Zl", "Zp")


def _code_point(character):
    return f"U+{ord(character):04X}"


def one_line_text_error(value):
    """A French message when `value` cannot be one line of text, else None."""
    if not value:
        return None
    if value.isprintable():  # the common case, in one C call: no break, control or bidi character
        return None if value.strip(PRINTABLE_BLANKS) else NOTHING_VISIBLE
    return _one_line_error_by_character(value)


def _one_line_error_by_character(value):
    """one_line_text_error's answer for a text with a character that is not printable
    (the fast path agrees with it on every text: tests/unit/test_import_fast_paths.py)."""
    if any(character in LINE_BREAKS or character == "\t" for character in value):
        return "Une seule ligne attendue\u00a0: retirez le saut de ligne ou la tabulation."
    control = CONTROL_RE.search(value)
    if control:
        return f"Caractère de contrôle interdit ({_code_point(control.group())})."
    bidi = BIDI_CONTROL_RE.search(value)
    if bidi:
        return (f"Caractère d'inversion du sens d'écriture interdit ({_code_point(bidi.group())})\u00a0: "
                "il peut afficher le texte dans un autre ordre que celui enregistré.")
    if not any(_shows_something(character) for character in value):
        return NOTHING_VISIBLE
    return None


def free_text_error(value):
    """A French message when `value` cannot be a free text (notes), else None."""
    if not value:
        return None
    if len(value) > FREE_TEXT_MAX_LENGTH:
        return (f"{format_number(FREE_TEXT_MAX_LENGTH, 0)} caractères au plus "
                f"({format_number(len(value), 0)} saisis).")
    control = FREE_TEXT_CONTROL_RE.search(value)
    if control:
        return f"Caractère de contrôle interdit ({_code_point(control.group())})."
    return None


# OpenStreetMap opening_hours, as data·inclusion asks for horaires_accueil:
# checked by opening-hours-py, the parser OSM tools use, after our own tidying.
OPENING_HOURS_EXAMPLE = "Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00; PH off"
# "09:00-12:00, 14:00-17:00": one list of times, not a second rule.
OPENING_HOURS_TIME_LIST_RE = re.compile(r",\s+(?=\d{1,2}:)")
OPENING_HOURS_RULE_SEPARATOR_RE = re.compile(r"\s*;\s*")


def tidy_opening_hours(value):
    """'  Mo-Fr 08:30-12:30 ;PH off; ' → 'Mo-Fr 08:30-12:30; PH off'."""
    text = " ".join((value or "").split())
    text = OPENING_HOURS_TIME_LIST_RE.sub(",", text)
    return OPENING_HOURS_RULE_SEPARATOR_RE.sub("; ", text).strip("; ")


def clean_opening_hours(value):
    """Tidy, then check the OpenStreetMap syntax ('Mo-Fr 09:00-12:00; PH off')."""
    text = tidy_opening_hours(value)
    if not opening_hours.validate(text):
        raise ValueError(
            "Horaires au format OpenStreetMap attendus, jours en anglais abrégés et heures "
            f"sur 24 h (exemple : {OPENING_HOURS_EXAMPLE})."
        )
    return text


NO_SIREN = "000000000"


# A digit at an even place from the right, doubled, as Luhn sums it (7 → 14 → 5).
LUHN_DOUBLED = str.maketrans("0123456789", "0246813579")
LA_POSTE_SIREN = "356000000"  # its establishments' SIRET use a sum of digits, not Luhn
SIRET_DIGITS_RE = re.compile(r"[0-9]{14}")


def _luhn_valid(digits):
    return (sum(map(int, digits[-1::-2])) + sum(map(int, digits[-2::-2].translate(LUHN_DOUBLED)))) % 10 == 0


def _plain_valid_siret(value):
    """Whether `value` is 14 ASCII digits that stdnum accepts as a SIRET, checked
    without stdnum's generic cleaning (the importer checks 10 000 of them): a fast
    path whose every answer True stdnum gives too (tests/unit/test_import_fast_paths.py)."""
    if not SIRET_DIGITS_RE.fullmatch(value) or value.startswith(NO_SIREN):
        return False
    if value.startswith(LA_POSTE_SIREN):
        return False  # La Poste's own rule: stdnum decides
    return _luhn_valid(value) and _luhn_valid(value[:9])


@functools.lru_cache(maxsize=65_536)
def clean_siret(value):
    """Return the 14-digit SIRET or raise ValueError with a French message.
    Remembered per distinct text (the importer checks a line's SIRET when it looks
    the structure up, then again when it cleans the record)."""
    if value and _plain_valid_siret(value):
        return value
    return _siret_by_stdnum(value)


def _siret_by_stdnum(value):
    compact = stdnum_siret.compact(value or "")
    try:
        siret = stdnum_siret.validate(compact)
    except StdnumError:
        if not compact.isdigit() or len(compact) != 14:
            raise ValueError("Le SIRET doit comporter 14 chiffres.")
        raise ValueError("Ce SIRET n'est pas valide (clé de contrôle incorrecte).")
    if siret.startswith(NO_SIREN):  # the key of 000 000 000 is right: stdnum accepts it
        raise ValueError("Ce SIRET n'est pas valide\u00a0: aucune entreprise n'a le SIREN 000 000 000.")
    return siret


def clean_email(value):
    value = (value or "").strip()
    if not EMAIL_RE.match(value):
        raise ValueError("Adresse électronique invalide (exemple : nom@structure.fr).")
    return value.lower()


def clean_url(value):
    """'www.cidff86.fr' → 'https://www.cidff86.fr'; a web address or a French error."""
    value = (value or "").strip()
    if not value.startswith(("http://", "https://")):
        value = "https://" + value
    host = urlsplit(value).hostname or ""
    if re.search(r"\s", value) or "." not in host.strip("."):
        raise ValueError("Adresse web invalide (exemple : https://www.structure.fr).")
    return value


# 05 49 00 00 00 or +33 5 49 00 00 00 once its spaces are gone: a metropolitan
# number whose validity phonenumbers decides without parsing the text (34 % of an
# import's preview went into parsing).
METROPOLITAN_NUMBER_RE = re.compile(r"(?:0|\+33)([1-9][0-9]{8})")
PHONE_SEPARATORS_RE = re.compile(r"[\s.\-]")


def _metropolitan_e164(raw):
    """'+33549000000' when `raw` is a metropolitan number phonenumbers calls valid,
    None when another path must decide (an overseas prefix, another format, not valid):
    the same answer as `_parse_phone` (tests/unit/test_import_fast_paths.py)."""
    match = METROPOLITAN_NUMBER_RE.fullmatch(raw)
    if match is None:
        return None
    national = match.group(1)
    if f"0{national}"[:4] in OVERSEAS_CANDIDATE_PREFIXES:
        return None
    return f"+33{national}" if _FRENCH_VALID_NUMBER_RE.fullmatch(national) else None


def _french_valid_number_re():
    """One regex for phonenumbers' is_valid_number on a 9-digit French national number:
    its general pattern, and the pattern of any number type (fixed, mobile, free…)
    that allows 9 digits, all from phonenumbers' own metadata."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("FR")
    descriptions = [getattr(metadata, kind) for kind in (
        "premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan",
        "voicemail", "fixed_line", "mobile")]
    types = [d.national_number_pattern for d in descriptions
             if d is not None and d.national_number_pattern and (not d.possible_length or 9 in d.possible_length)]
    general = metadata.general_desc
    if general.possible_length and 9 not in general.possible_length:
        return re.compile(r"(?!)")  # matches nothing: phonenumbers decides every number
    return re.compile(f"(?=(?:{general.national_number_pattern})$)(?:{'|'.join(f'(?:{t})' for t in types)})")


_FRENCH_VALID_NUMBER_RE = _french_valid_number_re()


@functools.lru_cache(maxsize=65_536)
def clean_phone(value):
    """Return a number in E.164 (+33…, +262… overseas), or a short number (3919) as is.
    Remembered per distinct text (a file repeats its numbers; the import's
    confirmation reads the preview's again)."""
    raw = PHONE_SEPARATORS_RE.sub("", value or "")
    if SHORT_NUMBER_RE.match(raw):
        return raw
    return _metropolitan_e164(raw) or _phone_by_parsing(raw)


def _phone_by_parsing(raw):
    number = _parse_phone(raw)
    if number is None:
        raise ValueError("Numéro de téléphone invalide (exemple : 05 49 00 00 00).")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _parse_phone(raw):
    if NATIONAL_NUMBER_RE.fullmatch(raw):
        number = _overseas_number(raw)
        if number is not None:
            return number
    try:
        number = phonenumbers.parse(raw, "FR")
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_valid_number(number):
        return number
    # '+596 596 12 34 56', as stored for 0596 12 34 56: same country code, same answer.
    national = f"0{number.national_number}"
    overseas = _overseas_number(national) if NATIONAL_NUMBER_RE.fullmatch(national) else None
    if overseas is not None and overseas.country_code == number.country_code:
        return overseas
    return None


def _overseas_number(national):
    """'0262123456' → the Réunion number; None for a metropolitan one.

    08 and 09 numbers (free, shared-cost, VoIP) are national: they stay +33."""
    if national.startswith(("08", "09")) or national[:4] not in OVERSEAS_CANDIDATE_PREFIXES:
        return None
    for region in OVERSEAS_REGIONS:
        number = phonenumbers.parse(national, region)
        if (phonenumbers.is_valid_number(number)
                and phonenumbers.number_type(number) in OVERSEAS_TYPES):
            return number
    region = OVERSEAS_PREFIXES.get(national[:4])
    if region is None:
        return None
    number = phonenumbers.parse(national, region)
    if not phonenumbers.is_possible_number(number):
        return None
    return number  # a block phonenumbers does not list: is_valid_number would say no


def clean_postal_code(value):
    value = (value or "").strip()
    if not POSTAL_CODE_RE.match(value):
        raise ValueError("Le code postal doit comporter 5 chiffres.")
    return value


def clean_insee_code(value):
    value = (value or "").strip().upper()
    if not INSEE_CODE_RE.match(value):
        raise ValueError("Le code INSEE doit comporter 5 caractères (exemple : 86194, 2A004).")
    return value


def clean_departement(value):
    value = (value or "").strip().upper()
    if not DEPARTEMENT_RE.match(value):
        raise ValueError("Code de département invalide (exemple : 86, 2A, 974).")
    return value


# How a French user writes a date, then the ISO form a date picker or a file may give.
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")


def parse_date(text, formats=DATE_FORMATS):
    """'15/01/2027' or '2027-01-15' → the date; ValueError otherwise."""
    for date_format in formats:
        try:
            return datetime.datetime.strptime(str(text).strip(), date_format).date()
        except ValueError:
            continue
    raise ValueError(f"Date invalide : « {text} ».")


def parse_record_id(text):
    """'12' → 12; None for anything that cannot be the id of a record."""
    text = str(text if text is not None else "").strip()
    if not RECORD_ID_RE.fullmatch(text) or int(text) > INTEGER_MAX:
        return None
    return int(text)


def parse_decimal(value):
    """Read '26 400,50', '26400.50', '26 400,50 €' or a number as a Decimal."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    text = str(value or "").replace(NARROW_NBSP, "").replace("\xa0", "")
    text = text.replace(" ", "").replace("€", "").replace("%", "")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    # Plain ASCII digits only: Decimal() would also take "1_000", "1e30" or "١٢".
    if not PLAIN_NUMBER_RE.fullmatch(text):
        raise ValueError("Nombre invalide (exemple : 26 400,50).")
    return Decimal(text)


def check_non_negative(value, message="Le montant ne peut pas être négatif."):
    if value is not None and value < 0:
        raise ValueError(message)
    return value


def check_rate(value):
    if value is not None and not (0 <= value <= 100):
        raise ValueError("Le taux doit être compris entre 0 et 100 %.")
    return value


_CHOICE_CODES = {}  # id(choices) → (choices, their codes): a list of choices is a module constant


def choice_codes(choices):
    """The codes of a list of (code, label) choices, as a set built once per list."""
    known = _CHOICE_CODES.get(id(choices))
    if known is None or known[0] is not choices:
        known = _CHOICE_CODES[id(choices)] = (choices, frozenset(code for code, _ in choices))
    return known[1]


class Validator:
    """Collects errors field by field, so a form can show them all at once."""

    def __init__(self):
        self.errors = {}

    def check(self, field, function, value):
        try:
            return function(value)
        except ValueError as error:
            self.errors[field] = str(error)
            return value

    def require(self, field, value, message="Ce champ est obligatoire."):
        if value is None or (isinstance(value, str) and not value.strip()):
            self.errors[field] = message

    def choice(self, field, value, choices, message="Valeur inconnue."):
        if value not in choice_codes(choices):
            self.errors[field] = message

    def slugs(self, field, values, choices):
        """Each value of a slug list is one of the field's codes (the data·inclusion schema's)."""
        unknown = sorted(set(values or []) - choice_codes(choices))
        if unknown:
            self.errors[field] = f"Valeur(s) inconnue(s) du référentiel data·inclusion : {', '.join(unknown)}."

    def add(self, field, message):
        self.errors[field] = message

    def raise_if_any(self):
        if self.errors:
            raise ValidationError(self.errors)
