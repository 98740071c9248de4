"""The attendance sheet of one training (« Saisir les présences »): who it lists, the
search that adds someone from elsewhere, and the save of every tick at once.

The rules, as the page says them to the coordinator:
- listed: the active référent·e·s of the training's territory and of its
  sub-territories (every active référent·e when the training has no territory), and
  whoever already has a line for this training, grouped by structure, in reading order;
- ticked = present; unticked = absent when the person already had a line (the line is
  kept as « absent·e », its evaluation cleared), nothing written when they never had one;
- « Retirer » deletes a line entered by mistake (it then counts neither as present nor
  as registered);
- one save is one transaction, checked against the training's version and the lines
  as the sheet showed them: a sheet opened before someone else's change writes nothing.
"""
import hashlib
from typing import NamedTuple

from peewee import JOIN, Case

from .db import ConflictError, database, reading_order
from .directory import Referent, Structure, within_territory
from .search import matches_words
from .training import Attendance, Training
from .validation import ValidationError, parse_record_id

ROSTER_LIMIT = 400  # people on one sheet; beyond: those with a line, and the search
SEARCH_LIMIT = 20   # answers of the « Ajouter une personne » search
MAX_LINES = 2000    # lines one save may carry
EVALUATIONS = (1, 2, 3, 4, 5)
RELOAD = "Rechargez la page, puis refaites vos changements. Rien n'a été enregistré."


class SheetRow(NamedTuple):
    referent: Referent        # with .structure read
    attendance: object        # the Attendance line, or None
    outside: bool             # not (or no longer) among those the sheet lists by itself


class SheetGroup(NamedTuple):
    structure: Structure
    rows: list


class Roster(NamedTuple):
    groups: list
    lines_token: str          # the lines as shown (handed back at save)
    in_scope: int = None      # set when too many to list: how many the territory has

    @property
    def truncated(self):
        return self.in_scope is not None

    @property
    def people(self):
        return sum(len(group.rows) for group in self.groups)


def _scope(training):
    """SQL: the référent·e·s the sheet lists by itself."""
    condition = Referent.actif == True  # noqa: E712
    if training.territory_id is not None:
        condition &= within_territory(Structure.territory, training.territory_id)
    return condition


def _people(training):
    """Référent·e·s with their structure, their line for `training` (attr `line`, or
    None) and `in_scope`, in reading order: structure, then name."""
    return (
        Referent.select(Referent, Structure, Attendance,
                        Case(None, [(_scope(training), 1)], 0).alias("in_scope"))
        .join(Structure, on=Referent.structure == Structure.id, attr="structure")
        .switch(Referent)
        .join(Attendance, JOIN.LEFT_OUTER, attr="line",
              on=(Attendance.referent == Referent.id) & (Attendance.training == training.id))
        .order_by(reading_order(Structure.nom), Structure.id, reading_order(Referent.nom),
                  reading_order(Referent.prenom), Referent.id)
    )


def _lines_token(pairs):
    """A fingerprint of a training's lines: each one's id and version."""
    text = ";".join(f"{line_id}:{version}" for line_id, version in sorted(pairs))
    return hashlib.blake2s(text.encode(), digest_size=8).hexdigest()


def lines_token(training):
    """The token of the lines `training` has now (one query)."""
    return _lines_token(Attendance.select(Attendance.id, Attendance.version)
                        .where(Attendance.training == training.id).tuples())


def roster(training):
    """The sheet of `training`: a Roster (one query; two more when the territory has
    more than ROSTER_LIMIT active référent·e·s, then only those with a line are listed)."""
    has_line = Attendance.id.is_null(False)
    people = list(_people(training).where(_scope(training) | has_line).limit(ROSTER_LIMIT + 1))
    in_scope = None
    if len(people) > ROSTER_LIMIT:
        in_scope = Referent.select().join(Structure).where(_scope(training)).count()
        people = list(_people(training).where(has_line))
    groups, lines = [], []
    for person in people:
        line = person.line if getattr(person.line, "id", None) is not None else None
        if line is not None:
            lines.append((line.id, line.version))
        if not groups or groups[-1].structure.id != person.structure_id:
            groups.append(SheetGroup(person.structure, []))
        groups[-1].rows.append(SheetRow(person, line, not person.in_scope))
    return Roster(groups, _lines_token(lines), in_scope)


# --- « Ajouter une personne hors territoire » ------------------------------------
def find_referents(text, limit=SEARCH_LIMIT):
    """Up to `limit` active référent·e·s whose first name, name, structure or commune
    hold every word of `text`, case and accents aside as every search of the panel
    (models/search.py: "helene ccas" finds Hélène of the CCAS), in reading order (one query)."""
    condition = matches_words([Referent.prenom, Referent.nom, Structure.nom, Structure.commune], text)
    if condition is None:
        return []
    return list(Referent.select(Referent, Structure)
                .join(Structure, on=Referent.structure == Structure.id, attr="structure")
                .where((Referent.actif == True) & condition)  # noqa: E712
                .order_by(reading_order(Referent.nom), reading_order(Referent.prenom), Referent.id)
                .limit(limit))


# --- saving the sheet ---------------------------------------------------------------
class SheetLine(NamedTuple):
    present: bool
    evaluation: str    # as typed: "" or 1 to 5, checked at save with the person's name
    remove: bool


def read_sheet(listed, ticked, removed, evaluations):
    """The posted sheet as {référent·e id: SheetLine}. `listed`, `ticked`, `removed`:
    ids as text; `evaluations`: {id as text: value}. ValidationError for an id that
    cannot be one."""
    texts = {*listed, *ticked, *removed, *evaluations}
    unreadable = sorted(text for text in texts if parse_record_id(text) is None)
    if unreadable:
        shown = ", ".join(f"« {text[:20]} »" for text in unreadable[:5])
        raise ValidationError({"__all__": f"Ligne illisible ({shown} n'est pas un numéro de "
                                          f"référent·e). {RELOAD}"})
    ticked, removed = set(ticked), set(removed)
    return {parse_record_id(text): SheetLine(text in ticked, (evaluations.get(text) or "").strip(),
                                             text in removed)
            for text in texts}


class SheetSaved(NamedTuple):
    created: int
    updated: int
    deleted: int

    @property
    def changed(self):
        return self.created + self.updated + self.deleted


def _evaluation(text, person, problems):
    if not text:
        return None
    value = parse_record_id(text)
    if value not in EVALUATIONS:
        problems.append(f"{person} : l'évaluation va de 1 à 5 (« {text[:20]} » reçu).")
    return value


def _checked(lines):
    """{id: (referent, present, evaluation, remove)}, or ValidationError naming each problem."""
    if len(lines) > MAX_LINES:
        raise ValidationError({"__all__": f"Trop de lignes ({len(lines)}, {MAX_LINES} au plus). {RELOAD}"})
    people = {person.id: person for person in Referent.select().where(Referent.id << list(lines))}
    problems = []
    unknown = sorted(set(lines) - set(people))
    if unknown:
        problems.append(f"Référent·e inconnu·e (n° {', '.join(map(str, unknown[:5]))}) : "
                        "la fiche a peut-être été supprimée.")
    checked = {}
    for referent_id, line in lines.items():
        person = people.get(referent_id)
        if person is None:
            continue
        evaluation = _evaluation(line.evaluation, person, problems)
        if line.present and line.remove:
            problems.append(f"{person} : cochée présente et retirée à la fois ; choisissez l'un ou l'autre.")
        elif evaluation is not None and not line.present:
            problems.append(f"{person} : une personne absente n'évalue pas la formation ; "
                            "cochez « présent·e » ou retirez l'évaluation.")
        checked[referent_id] = (person, line.present, evaluation, line.remove)
    if problems:
        raise ValidationError({"__all__": "Rien n'a été enregistré. " + " ".join(problems)})
    return checked


def save_sheet(training, training_token, shown_lines_token, lines):
    """Write the sheet `lines` ({référent·e id: SheetLine}) of `training` in one
    transaction: ticked → present, unticked with a line → absent, removed → deleted,
    unticked without a line → nothing. `training_token` (Training.version_token) and
    `shown_lines_token` (Roster.lines_token) say what the sheet showed: a
    ConflictError when either changed since, a ValidationError for bad input;
    nothing written then. A sheet that changes nothing writes nothing."""
    checked = _checked(lines)
    created = updated = deleted = 0
    with database.atomic() as transaction:
        # The training's own UPDATE … WHERE version = ? first: concurrent saves of the
        # same sheet wait here, and the second one finds the version changed.
        training.expect_version(training_token)
        training.save(only=())
        if lines_token(training) != shown_lines_token:
            raise ConflictError(Training, training.id, Training.get_by_id(training.id))
        existing = {line.referent_id: line for line in
                    Attendance.select().where(Attendance.training == training.id)}
        for referent_id, (person, present, evaluation, remove) in checked.items():
            line = existing.get(referent_id)
            if line is None:
                if present:
                    Attendance.create(training=training.id, referent=referent_id, present=True,
                                      evaluation=evaluation)
                    created += 1
            elif remove:
                line.delete_instance()
                deleted += 1
            elif (line.present, line.evaluation) != (present, evaluation):
                line.present, line.evaluation = present, evaluation
                line.save()
                updated += 1
        if not created + updated + deleted:
            transaction.rollback()  # not even the training's version
    return SheetSaved(created, updated, deleted)
