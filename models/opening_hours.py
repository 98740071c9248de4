"""Opening hours in French: the OpenStreetMap value (data·inclusion's
`horaires_accueil`) read out in French, and the French phrasings people type
turned into that value.

- `to_french(osm)`: 'Mo-Fr 09:00-12:00,14:00-17:00; PH off' →
  'lun.–ven. 9 h–12 h, 14 h–17 h ; fermé les jours fériés' (narrow no-break
  spaces inside times and before « ; »). Any value OpenStreetMap's parser accepts
  gets a French reading: what has no sentence of its own is read word by word.
- `from_french(text)`: « du lundi au vendredi 9h-12h et 14h-17h », « lundi,
  mercredi 9h30-12h », « 24h/24 », « sur rendez-vous », « fermé les jours
  fériés »… → the OpenStreetMap value, checked by opening-hours-py.
- `parse_opening_hours(value)`: what a form or a file gives, OpenStreetMap or
  French → the value to store (the model's clean, the importer).
- `Schedule`: what the form's editor shows (rows of days × time ranges, closed on
  public holidays, 24 h/24, by appointment); `to_osm(schedule)` writes it and
  `schedule_from_osm(osm)` reads a value back into rows when it is one the
  editor writes (None otherwise: the value stays text).
"""
import functools
import re
from dataclasses import dataclass

import opening_hours

from .formatting import NARROW_NBSP, ascii_fold
from .validation import OPENING_HOURS_EXAMPLE, clean_opening_hours, tidy_opening_hours

OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
FRENCH_DAYS = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")
ALL_DAYS = tuple(range(7))
APPOINTMENT = "sur rendez-vous"
WHOLE_DAY = ("00:00", "24:00")
RULE_SEPARATOR = f"{NARROW_NBSP}; "  # « ; » with the fine no-break space before it
FRENCH_EXAMPLE = "du lundi au vendredi 9 h-12 h et 14 h-17 h ; fermé les jours fériés"


@dataclass(frozen=True)
class Row:
    """Days (0 = Monday) open at the same times; no range: closed those days."""

    days: tuple
    ranges: tuple = ()


@dataclass(frozen=True)
class Schedule:
    rows: tuple = ()
    holidays_closed: bool = False  # PH off
    always: bool = False           # 24/7: rows are then not written
    appointment: bool = False      # « sur rendez-vous », a comment

    def is_empty(self):
        return not (self.rows or self.holidays_closed or self.always or self.appointment)


# --- the editor's schedule ↔ OpenStreetMap ----------------------------------------

def _days_text(days, names, dash, comma):
    """Runs of three days or more as a range: (0, 1, 2, 4) → 'Mo-We,Fr', 'lun.–mer., ven.'."""
    return comma.join(
        f"{names[run[0]]}{dash}{names[run[-1]]}" if len(run) > 2 else comma.join(names[d] for d in run)
        for run in _runs(days))


def _osm_days(days):
    return "Mo-Su" if tuple(days) == ALL_DAYS else _days_text(days, OSM_DAYS, "-", ",")


def _runs(days):
    runs = []
    for day in sorted(set(days)):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def _is_always(schedule):
    return schedule.always or schedule.rows == (Row(ALL_DAYS, (WHOLE_DAY,)),)


def to_osm(schedule):
    """The OpenStreetMap value of an editor's schedule ('' when empty). A row whose
    days were already in an earlier row adds to it (« , »), as the editor shows it,
    instead of replacing it (« ; »)."""
    rules = []
    if _is_always(schedule):
        rules.append("24/7")
    else:
        seen = set()
        for row in schedule.rows:
            if not row.days:
                continue
            times = ",".join(f"{start}-{end}" for start, end in row.ranges) or "off"
            rule = f"{_osm_days(row.days)} {times}"
            if rules and seen & set(row.days):
                rules[-1] += f", {rule}"
            else:
                rules.append(rule)
            seen |= set(row.days)
    if schedule.holidays_closed:
        rules.append("PH off")
    value = "; ".join(rules)
    if schedule.appointment:
        value = f'{value} || "{APPOINTMENT}"' if value else f'"{APPOINTMENT}"'
    return value


TIME = r"(?:[01][0-9]|2[0-4]):[0-5][0-9]"
EDITOR_RULE_RE = re.compile(
    rf"(?P<days>(?:Mo|Tu|We|Th|Fr|Sa|Su)(?:[-,](?:Mo|Tu|We|Th|Fr|Sa|Su))*) "
    rf"(?P<times>off|{TIME}-{TIME}(?:,{TIME}-{TIME})*)")


def _editor_days(text):
    days = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        start, end = OSM_DAYS.index(first), OSM_DAYS.index(last or first)
        if end < start:
            return None
        days.extend(range(start, end + 1))
    return tuple(sorted(set(days)))


def schedule_from_osm(osm):
    """The editor's rows for a value it writes itself, else None (the value then
    stays text in the form, read out in French below it)."""
    text = tidy_opening_hours(osm)
    if not text:
        return Schedule()
    body, appointment = text, False
    for suffix in (f' || "{APPOINTMENT}"', f'"{APPOINTMENT}"'):
        if body.endswith(suffix):
            body, appointment = body[: -len(suffix)], True
            break
    rows, holidays_closed, always = [], False, False
    for rule in re.split(r"; |, (?=[A-Z])", body) if body else []:
        if rule == "PH off":
            holidays_closed = True
        elif rule == "24/7" and not rows:
            always = True
        else:
            match = EDITOR_RULE_RE.fullmatch(rule)
            days = match and _editor_days(match["days"])
            if not days:
                return None
            times = match["times"]
            ranges = () if times == "off" else tuple(tuple(r.split("-")) for r in times.split(","))
            rows.append(Row(days, ranges))
    schedule = Schedule(tuple(rows), holidays_closed, always, appointment)
    return schedule if to_osm(schedule) == text else None  # only what the editor writes back the same


# --- OpenStreetMap → French -------------------------------------------------------

def french_time(text):
    """'09:30' → '9 h 30', '12:00' → '12 h' (narrow no-break spaces)."""
    hours, minutes = text.split(":")
    shown = f"{int(hours)}{NARROW_NBSP}h"
    return shown if minutes == "00" else f"{shown}{NARROW_NBSP}{minutes}"


def french_ranges(ranges):
    if tuple(ranges) == (WHOLE_DAY,):
        return f"24{NARROW_NBSP}h/24"
    return ", ".join(f"{french_time(start)}–{french_time(end)}" for start, end in ranges)


def french_days(days):
    """(0, 1, 2, 3, 4) → 'lun.–ven.', (0, 2) → 'lun., mer.', all → 'tous les jours'."""
    return "tous les jours" if tuple(days) == ALL_DAYS else _days_text(days, FRENCH_DAYS, "–", ", ")


def french_row(row):
    return f"{french_days(row.days)} {french_ranges(row.ranges) if row.ranges else 'fermé'}"


def schedule_to_french(schedule):
    parts = []
    if _is_always(schedule):
        parts.append(f"24{NARROW_NBSP}h/24")
    else:
        parts.extend(french_row(row) for row in schedule.rows if row.days)
    if schedule.holidays_closed:
        parts.append("fermé les jours fériés")
    if schedule.appointment:
        parts.append(APPOINTMENT)
    return RULE_SEPARATOR.join(parts)


# Any other value, read rule by rule; a rule with no sentence of its own word by word.
WORDS = {
    "off": "fermé", "closed": "fermé", "open": "ouvert", "unknown": "horaires inconnus",
    "PH": "jours fériés", "SH": "vacances scolaires", "week": "semaines",
    "sunrise": "lever du soleil", "sunset": "coucher du soleil", "dawn": "aube", "dusk": "crépuscule",
    "easter": "Pâques", "day": "jour", "days": "jours",
    **dict(zip(OSM_DAYS, FRENCH_DAYS)),
    **dict(zip(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
               ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
                "nov.", "déc."))),
}
TOKEN_RE = re.compile(r'"[^"]*"|(?P<time>\b\d{1,2}:\d{2}\b)|(?P<word>\b[A-Za-z]+\b)|(?P<dash>(?<=\S)-(?=\S))')
SELECTOR = r"(?:Mo|Tu|We|Th|Fr|Sa|Su|PH)(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?"
RULE_RE = re.compile(
    rf'(?P<days>{SELECTOR}(?:,{SELECTOR})*)?\s*'
    rf'(?P<times>24/7|{TIME}-{TIME}(?:,{TIME}-{TIME})*|off|closed|open)?\s*'
    rf'(?P<comment>"[^"]*")?')


def _word_by_word(rule):
    def word(match):
        if match["time"]:
            return french_time(match["time"])
        if match["word"]:
            return WORDS.get(match["word"], match["word"])
        if match["dash"]:
            return "–"
        return match.group()[1:-1]  # a comment, without its quotes

    return TOKEN_RE.sub(word, rule)


def _selector_french(text):
    parts, days = [], []
    for part in text.split(","):
        if part == "PH":
            parts.append("jours fériés")
            continue
        first, _, last = part.partition("-")
        start, end = OSM_DAYS.index(first), OSM_DAYS.index(last or first)
        if end < start:  # Sa-Mo wraps the week
            parts.append(f"{FRENCH_DAYS[start]}–{FRENCH_DAYS[end]}")
        else:
            days.extend(range(start, end + 1))
    return ", ".join(([french_days(tuple(sorted(set(days))))] if days else []) + parts)


def _rule_french(rule):
    match = RULE_RE.fullmatch(rule.strip())
    if not match or not (match["days"] or match["times"] or match["comment"]):
        return _word_by_word(rule.strip())
    days, times, comment = match["days"], match["times"], match["comment"]
    if days == "PH" and times in ("off", "closed"):
        text = "fermé les jours fériés"
    else:
        if times in (None, "open") and not days and not comment:
            times = "24/7"
        if times == "24/7":
            shown = f"24{NARROW_NBSP}h/24"
        elif times in ("off", "closed"):
            shown = "fermé"
        elif times and times != "open":
            shown = french_ranges([tuple(r.split("-")) for r in times.split(",")])
        else:
            shown = ""
        text = " ".join(p for p in (_selector_french(days) if days else "", shown) if p)
    if comment:
        note = comment[1:-1]
        text = f"{text} ({note})" if text else note
    return text


def to_french(osm):
    """The French reading of an OpenStreetMap opening_hours value; never raises."""
    text = tidy_opening_hours(osm)
    if not text:
        return ""
    schedule = schedule_from_osm(text)
    if schedule is not None:
        return schedule_to_french(schedule)
    groups = []
    for group in _split_outside_quotes(text, "||"):
        rules = [_rule_french(rule) for rule in _split_outside_quotes(group, ";") if rule.strip()]
        groups.append(RULE_SEPARATOR.join(r for r in rules if r))
    return f"{RULE_SEPARATOR}sinon ".join(g for g in groups if g) or text


def _split_outside_quotes(text, separator):
    parts, current, quoted, i = [], "", False, 0
    while i < len(text):
        if text[i] == '"':
            quoted = not quoted
        if not quoted and text.startswith(separator, i):
            parts.append(current)
            current, i = "", i + len(separator)
            continue
        current += text[i]
        i += 1
    return parts + [current]


# --- French → OpenStreetMap -------------------------------------------------------

DAY_WORDS = (
    ("lundi", "lun", "lu"), ("mardi", "mar", "ma"), ("mercredi", "mer", "me"), ("jeudi", "jeu", "je"),
    ("vendredi", "ven", "ve"), ("samedi", "sam", "sa"), ("dimanche", "dim", "di"),
)
DAY_NUMBER = {word: number for number, words in enumerate(DAY_WORDS) for word in words}
DAY = r"\b(" + "|".join(sorted(DAY_NUMBER, key=len, reverse=True)) + r")s?\b\.?"
CLOCK = r"(\d{1,2})\s*(?:(h|:)\s*(\d{2})?)?"
# Phrases, in the order they are recognised, each replaced by a token « @… ».
PHRASES = [
    (r"(uniquement |seulement )?sur (rendez[- ]vous|r\.?d\.?v\.?)", " @appt "),
    (r"(ferme[es]*|fermeture)( le| les| pendant les)? jours? feries?", " @phoff "),
    (r"(sauf|hors)( les)? jours? feries?", " @phoff "),
    (r"jours? feries?\s*:?\s*ferme[es]*", " @phoff "),
    (r"24\s*h?\s*/\s*24\s*(h|,|et)?\s*7\s*j?\s*/\s*7", " @everyday @allday "),
    (r"24\s*h?\s*/\s*24", " @allday "),
    (r"24\s*h\s*sur\s*24", " @allday "),
    (r"7\s*j(ours)?\s*(/|sur)\s*7|tous les jours|toute la semaine", " @everyday "),
    (r"\bmidi\b", "12h"), (r"\bminuit\b", "24h"),
    (rf"(de\s+)?{CLOCK}\s*(-|\ba\b|jusqu'a)\s*{CLOCK}", "TIME"),
    (rf"(du\s+|de\s+)?{DAY}\s*(-|\bau\b|\ba\b|jusqu'au)\s*{DAY}", "DAYRANGE"),
    (DAY, "DAY"),
    (r"\bferme[es]*\b|\bclos\b", " @off "),
]
FILLERS = {"du", "au", "de", "des", "d", "le", "les", "l", "la", "et", "a", "ouvert", "ouverte",
           "ouverts", "accueil", "horaires", "puis", "le", "matin", "apres-midi", "soir", "h",
           "heures", "journee", "continue", "en", "sinon"}
FRENCH_REFUSAL = ("Horaires non compris{detail}. Écrivez par exemple « {example} », ou le format "
                  "OpenStreetMap ({osm}).")


def _clock(hours, separator, minutes):
    hours = int(hours)
    if hours > 24 or (hours == 24 and minutes not in (None, "", "00")):
        raise ValueError
    return f"{hours:02d}:{int(minutes or 0):02d}"


def _time_token(match):
    text = match.group()
    if "h" not in text and ":" not in text:
        return text  # « 9-12 »: numbers, not times
    start = _clock(*match.group(2, 3, 4))
    end = _clock(*match.group(6, 7, 8))
    return f" @time{{{start}-{end}}} "


def _day_range_token(match):
    first, last = DAY_NUMBER[match.group(2)], DAY_NUMBER[match.group(4)]
    days = range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]
    return f" @days{{{','.join(map(str, days))}}} "


def _refuse(detail=""):
    raise ValueError(FRENCH_REFUSAL.format(detail=detail, example=FRENCH_EXAMPLE, osm=OPENING_HOURS_EXAMPLE))


def french_schedule(text):
    """The schedule a French phrasing describes; ValueError (French) otherwise."""
    folded = re.sub(r"[\u2010-\u2015\u2212]", "-", text).replace("\u2019", "'")
    folded = ascii_fold(folded).lower()
    folded = " ".join(folded.split())
    for pattern, replacement in PHRASES:
        if replacement == "TIME":
            try:
                folded = re.sub(pattern, _time_token, folded)
            except ValueError:
                _refuse(" : une heure dépasse 24 h")
        elif replacement == "DAYRANGE":
            folded = re.sub(pattern, _day_range_token, folded)
        elif replacement == "DAY":
            folded = re.sub(pattern, lambda m: f" @days{{{DAY_NUMBER[m.group(1)]}}} ", folded)
        else:
            folded = re.sub(pattern, replacement, folded)
    rows, unknown = [], []
    days, ranges, closed = [], [], False
    holidays_closed = appointment = False

    def push():
        if days or ranges or closed:
            rows.append([list(days), list(ranges), closed])

    for token in re.findall(r"@\w+(?:\{[^}]*\})?|[a-z][a-z'-]*|\d+|[^\s\w]", folded):
        name, _, argument = token.partition("{")
        argument = argument.rstrip("}")
        if name in ("@days", "@everyday"):
            if ranges or closed:
                push()
                days, ranges, closed = [], [], False
            days.extend(ALL_DAYS if name == "@everyday" else map(int, argument.split(",")))
        elif name == "@time":
            ranges.append(tuple(argument.split("-")))
        elif name == "@allday":
            ranges.append(WHOLE_DAY)
        elif name == "@off":
            closed = True
        elif name == "@phoff":
            holidays_closed = True
        elif name == "@appt":
            appointment = True
        elif token.strip("'") not in FILLERS and re.search(r"[a-z0-9]", token):
            unknown.append(token)
    push()
    if unknown:
        _refuse(f" : « {' '.join(unknown)} »")
    schedule_rows = []
    for row_days, row_ranges, row_closed in rows:
        if not row_days:
            row_days = ALL_DAYS  # « 9h-12h » alone: every day
        if not row_ranges and not row_closed:
            _refuse(f" : indiquez les heures de {french_days(tuple(sorted(set(row_days))))} (ou « fermé »)")
        schedule_rows.append(Row(tuple(sorted(set(row_days))), () if row_closed else tuple(row_ranges)))
    if not schedule_rows and not holidays_closed and not appointment:
        _refuse()
    always = len(schedule_rows) == 1 and schedule_rows[0].ranges == (WHOLE_DAY,) and (
        schedule_rows[0].days == ALL_DAYS)
    return Schedule(() if always else tuple(schedule_rows), holidays_closed, always, appointment)


def from_french(text):
    """« du lundi au vendredi 9h-12h et 14h-17h ; fermé les jours fériés » →
    'Mo-Fr 09:00-12:00,14:00-17:00; PH off', checked by OpenStreetMap's parser.
    ValueError with a French message when the phrasing is not understood."""
    osm = to_osm(french_schedule(text))
    if not opening_hours.validate(osm):
        _refuse()
    return osm


@functools.lru_cache(maxsize=4096)
def parse_opening_hours(value):
    """What a form or a file gives (OpenStreetMap, or French as people write it) →
    the OpenStreetMap value to store. ValueError with a French message otherwise.
    Remembered per distinct text: a partner file repeats the same hours on many
    lines, and OpenStreetMap's parser is slow."""
    try:
        return clean_opening_hours(value)
    except ValueError:
        return from_french(value)
