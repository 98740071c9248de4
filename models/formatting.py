"""French display of money, numbers, dates and phones, and text folded for keys."""
import unicodedata
from decimal import Decimal, ROUND_HALF_UP

import phonenumbers

NARROW_NBSP = "\u202f"
CENT = Decimal("0.01")
# Dialled in France as 0 + 9 digits: metropolitan France and the overseas departments.
FRENCH_PLAN_CODES = {33, 262, 590, 594, 596}


def ascii_fold(text):
    """'École' → 'Ecole': accents dropped, for keys and alphabetical order."""
    return unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode()


def to_cents(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def format_number(value, decimals=2):
    """1234567.5 → '1 234 567,50' (spaces as thousands separator)."""
    if value is None:
        return ""
    quantum = Decimal(1).scaleb(-decimals)
    text = f"{Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP):,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",")


def format_euros(value):
    """Decimal('95310') → '95 310,00 €'."""
    if value is None:
        return ""
    return f"{format_number(value)} €"


def format_percent(value, decimals=1):
    return "" if value is None else f"{format_number(value, decimals)} %"


def format_date(value):
    return value.strftime("%d/%m/%Y") if value else ""


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
