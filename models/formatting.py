"""French display of money, numbers, dates and phones, and text folded for keys.

Numbers, money, percentages and dates follow Babel's fr_FR locale: a narrow
no-break space (U+202F) between thousands, a no-break space (U+00A0) before
€ and %."""
import copy
import datetime
import unicodedata
from zoneinfo import ZoneInfo
from decimal import Decimal, ROUND_HALF_UP

import babel.dates
import babel.numbers
import phonenumbers
from babel import Locale

NARROW_NBSP = "\u202f"
LOCALE = Locale.parse("fr_FR")
DATE_PATTERN = "dd/MM/yyyy"
PARIS = ZoneInfo("Europe/Paris")
CENT = Decimal("0.01")
# Dialled in France as 0 + 9 digits: metropolitan France and the overseas departments.
FRENCH_PLAN_CODES = {33, 262, 590, 594, 596}


def ascii_fold(text):
    """'École' → 'Ecole': accents dropped, for keys and alphabetical order."""
    return unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()


def to_cents(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _rounded(value, decimals):
    """Half up, as a French reader rounds (Babel's own rounding is half even);
    a "-0,00" becomes "0,00"."""
    return Decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP) + 0


def _with_decimals(pattern, decimals):
    """The locale's pattern, showing exactly `decimals` digits after the comma."""
    fixed = copy.copy(pattern)
    fixed.frac_prec = (decimals, decimals)
    return fixed


def format_number(value, decimals=2):
    """1234567.5 → '1 234 567,50' (narrow no-break spaces between thousands)."""
    if value is None:
        return ""
    pattern = _with_decimals(LOCALE.decimal_formats[None], decimals)
    return pattern.apply(_rounded(value, decimals), LOCALE)


def format_euros(value):
    """Decimal('95310') → '95 310,00 €' (no-break space before €)."""
    if value is None:
        return ""
    return babel.numbers.format_currency(_rounded(value, 2), "EUR", locale=LOCALE)


def format_percent(value, decimals=1):
    """12.5 (a rate in percent) → '12,5 %' (no-break space before %)."""
    if value is None:
        return ""
    pattern = _with_decimals(LOCALE.percent_formats[None], decimals)
    return pattern.apply(_rounded(value, decimals) / 100, LOCALE)


def format_date(value):
    """date(2026, 1, 5) → '05/01/2026'."""
    return babel.dates.format_date(value, DATE_PATTERN, locale=LOCALE) if value else ""


def paris_time(utc_value):
    """A naive UTC time (the audit's) as the naive time a clock in Paris showed."""
    return utc_value.replace(tzinfo=datetime.timezone.utc).astimezone(PARIS).replace(tzinfo=None)


def format_datetime(value, utc=False):
    """'01/12/2026 à 9 h 30', in Paris time when `value` is a naive UTC time."""
    if not value:
        return ""
    if utc:
        value = paris_time(value)
    return f"{format_date(value)} à {value.hour} h {value.minute:02d}"


def _in_pairs(national):
    """'0549000000' → '05 49 00 00 00'."""
    return " ".join(national[i:i + 2] for i in range(0, 10, 2))


def format_phone(value):
    """'+33549000000' → '05 49 00 00 00', '+596596123456' → '05 96 12 34 56';
    short numbers stay as they are, other countries keep their +code."""
    if not value or not value.startswith("+"):
        return value or ""
    if value.startswith("+33") and len(value) == 12 and value[3:].isdigit():
        return _in_pairs("0" + value[3:])  # the common case, without parsing (exports of 100 000 rows)
    number = phonenumbers.parse(value, "FR")
    national = "0" + str(number.national_number)
    if number.country_code in FRENCH_PLAN_CODES and len(national) == 10:
        return _in_pairs(national)
    # Saint-Pierre-et-Miquelon (+508) and abroad: a national form would read as French.
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
