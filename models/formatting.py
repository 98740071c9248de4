"""French display of money, numbers, dates and phones."""
from decimal import Decimal, ROUND_HALF_UP

import phonenumbers

NARROW_NBSP = "\u202f"
CENT = Decimal("0.01")


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


def format_phone(value):
    """'+33549000000' → '05 49 00 00 00'; short numbers stay as they are."""
    if not value or not value.startswith("+"):
        return value or ""
    if value.startswith("+33") and len(value) == 12 and value[3:].isdigit():
        national = "0" + value[3:]  # the common case, without parsing (exports of 100 000 rows)
        return " ".join(national[i:i + 2] for i in range(0, 10, 2))
    number = phonenumbers.parse(value, "FR")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
