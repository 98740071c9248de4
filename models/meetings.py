"""The network's meetings (the proofs FSE+ and the comité ask for) and its yearly targets.

A meeting records a date, a territory, a kind, the structures represented, a number
of participants (a number only: never the names of people helped), its compte rendu
(text and/or one attached file kept in the database, PDF, DOCX or ODT, checked by its
content) and what was decided. A target is a yearly figure to reach, for one territory
or (territory empty) for the whole network: training sessions, half-days, meetings of
each kind. models/follow_up.py compares what was held with them.
"""
import datetime
import io
import math
import zipfile
import zlib

from peewee import BlobField, CharField, DateField, ForeignKeyField, IntegerField, TextField

from .db import BaseModel, VersionedModel, in_label_order
from .directory import Structure, Territory
from .formatting import format_date, format_number
from .validation import (
    BIDI_CONTROL_RE, CONTROL_RE, ValidationError, Validator,
)

MEETING_KINDS = [
    ("lancement_bassin", "Réunion de lancement par bassin de vie"),
    ("cellule_operationnelle", "Cellule opérationnelle"),
    ("comite_pilotage", "Comité de pilotage"),
    ("comite_suivi", "Comité de suivi"),
    ("reunion_reseau", "Réunion de réseau"),
    ("autre", "Autre"),
]
MEETING_KIND_LABELS = dict(MEETING_KINDS)

# Shown at the top of the meeting form (the free-text fields also carry
# models.privacy.FREE_TEXT_REMINDER, added by the form converter).
MEETING_FORM_REMINDER = (
    "Ne notez ici aucun nom ni aucune situation de victime ou de personne accompagnée."
)

# --- the attached compte rendu: PDF, DOCX or ODT, told by its content ----------
ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
ATTACHMENT_NAME_LENGTH = 255
ODT_MIMETYPE = "application/vnd.oasis.opendocument.text"
# extension → (what the user reads, the type a download declares)
ATTACHMENT_KINDS = {
    "pdf": ("PDF", "application/pdf"),
    "docx": ("Word (DOCX)", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "odt": ("OpenDocument texte (ODT)", ODT_MIMETYPE),
}
# What a damaged or hostile ZIP may raise while its directory is read.
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError,
               EOFError, ValueError, OSError, zlib.error)
_MIMETYPE_ENTRY_MAX_BYTES = 100  # "mimetype" holds one short line


def format_size(size, rounded_up=False):
    """1536 → '1,5 Ko'; 5 242 880 → '5,0 Mo' (French units); `rounded_up` to the tenth
    above, so that a file just over a limit does not read as the limit itself."""
    if size < 1024:
        return f"{format_number(size, 0)}\u00a0octets"
    unit, name = (1024, "Ko") if size < 1024 * 1024 else (1024 * 1024, "Mo")
    tenths = math.ceil(size * 10 / unit) if rounded_up else size * 10 / unit
    return f"{format_number(tenths / 10, 1)}\u00a0{name}"


def attachment_kind(content):
    """'pdf', 'docx' or 'odt' as the bytes themselves say (not the file's name), else None."""
    content = bytes(content or b"")
    if content.startswith(b"%PDF-"):
        return "pdf"
    if not content.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.getinfo("mimetype").file_size <= _MIMETYPE_ENTRY_MAX_BYTES:
                if archive.read("mimetype").strip() == ODT_MIMETYPE.encode():
                    return "odt"
            if "word/document.xml" in names and "[Content_Types].xml" in names:
                return "docx"
    except _ZIP_ERRORS:
        return None
    return None


def clean_attachment_name(name):
    """The file's own name, without the folders a browser may send, control or
    direction characters, or more than the column holds (its extension kept)."""
    name = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = BIDI_CONTROL_RE.sub("", CONTROL_RE.sub("", name)).strip().strip(".").strip()
    if len(name) > ATTACHMENT_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        keep = ATTACHMENT_NAME_LENGTH - len(dot + extension) - 1
        name = f"{stem[:keep]}…{dot}{extension}" if dot and keep > 0 else name[:ATTACHMENT_NAME_LENGTH]
    return name


def extension_of(name):
    stem, dot, extension = (name or "").rpartition(".")
    return extension.lower() if dot and stem else ""


def attachment_error(name, content):
    """A French message when `content` (named `name`) cannot be the compte rendu, else None."""
    size = len(content)
    accepted = "PDF, DOCX (Word) ou ODT (LibreOffice)"
    if size == 0:
        return "Le fichier envoyé est vide\u00a0: choisissez le compte rendu à joindre."
    if size > ATTACHMENT_MAX_BYTES:
        return (f"Le fichier pèse {format_size(size, rounded_up=True)}\u00a0: {format_size(ATTACHMENT_MAX_BYTES)} au plus. "
                "Réduisez-le (export PDF « taille réduite », images allégées) puis joignez-le de nouveau.")
    kind = attachment_kind(content)
    extension = extension_of(name)
    if kind is None:
        return (f"« {name} » n'est pas un document {accepted} lisible\u00a0: seuls ces formats sont "
                "acceptés. Enregistrez le compte rendu dans l'un d'eux (par exemple Fichier › "
                "Exporter au format PDF), puis joignez-le de nouveau.")
    if extension != kind:
        return (f"« {name} » est un document {ATTACHMENT_KINDS[kind][0]}, mais son nom ne finit pas par "
                f".{kind}\u00a0: renommez-le en .{kind}, puis joignez-le de nouveau.")
    return None


# --- meetings -------------------------------------------------------------------
class Meeting(VersionedModel):
    date = DateField(verbose_name="Date")
    territory = ForeignKeyField(
        Territory, verbose_name="Territoire", null=True, backref="meetings", on_delete="SET NULL",
    )
    kind = CharField(verbose_name="Type de réunion", choices=MEETING_KINDS, default="cellule_operationnelle")
    participants = IntegerField(
        verbose_name="Participant·e·s", null=True,
        help_text="Un nombre seulement (professionnel·le·s présent·e·s)\u00a0: aucun nom.",
    )
    minutes = TextField(verbose_name="Compte rendu", null=True)
    attachment = BlobField(verbose_name="Fichier joint", null=True)
    attachment_name = CharField(verbose_name="Fichier joint", null=True, max_length=ATTACHMENT_NAME_LENGTH)
    attachment_size = IntegerField(verbose_name="Taille du fichier (octets)", null=True)
    decisions = TextField(verbose_name="Décisions / prochaines étapes", null=True)
    next_meeting_date = DateField(verbose_name="Prochaine réunion le", null=True)

    class Meta:
        table_name = "meeting"
        verbose_name = "réunion"
        verbose_name_plural = "réunions"
        label_fields = ("kind", "date")
        owned_backrefs = ("structure_links",)

    _structures_to_write = None  # set by the `structures` setter, written at save

    def __str__(self):
        kind = MEETING_KIND_LABELS.get(self.kind, self.kind or "Réunion")
        return f"{kind} du {format_date(self.date)}" if self.date else kind

    # --- the structures represented -------------------------------------------
    @property
    def structures(self):
        """The structures represented, in alphabetical order (one query)."""
        if self._structures_to_write is not None:
            return list(self._structures_to_write)
        if self.id is None:
            return []
        return list(in_label_order(Structure).join(
            MeetingStructure, on=(MeetingStructure.structure == Structure.id),
        ).where(MeetingStructure.meeting == self.id))

    @structures.setter
    def structures(self, structures):
        """Structures (records or ids) to link, written at the next save."""
        self._structures_to_write = list(structures or [])

    def _write_structures(self):
        wanted = {getattr(s, "id", s) for s in self._structures_to_write}
        known = {row.id for row in Structure.select(Structure.id).where(Structure.id << wanted)} if wanted else set()
        if wanted - known:
            raise ValidationError({"structures": (
                "Une structure choisie n'existe plus (supprimée entre-temps)\u00a0: "
                "retirez-la de la liste, puis enregistrez.")})
        links = {link.structure_id: link for link in
                 MeetingStructure.select().where(MeetingStructure.meeting == self.id)}
        for structure_id, link in links.items():
            if structure_id not in wanted:
                link.delete_instance()
        for structure_id in sorted(wanted - set(links)):
            MeetingStructure.create(meeting=self.id, structure=structure_id)
        self._structures_to_write = None

    def save(self, *args, **kwargs):
        with self._meta.database.atomic():
            rows = super().save(*args, **kwargs)
            if self._structures_to_write is not None:
                self._write_structures()
        return rows

    # --- the attached file --------------------------------------------------------
    def attach(self, name, content):
        """Keep `content` as the compte rendu's file (checked at save)."""
        self.attachment = bytes(content)
        self.attachment_name = clean_attachment_name(name)
        self.attachment_size = len(self.attachment)

    def detach(self):
        self.attachment = self.attachment_name = self.attachment_size = None

    @property
    def attachment_mimetype(self):
        kind = extension_of(self.attachment_name)
        return ATTACHMENT_KINDS[kind][1] if kind in ATTACHMENT_KINDS else "application/octet-stream"

    def clean(self):
        v = Validator()
        v.require("date", self.date, "Indiquez la date de la réunion.")
        v.choice("kind", self.kind, MEETING_KINDS, "Type de réunion inconnu.")
        if self.participants is not None and self.participants < 0:
            v.add("participants", "Le nombre de participant·e·s ne peut pas être négatif.")
        if self.next_meeting_date and self.date and self.next_meeting_date < self.date:
            v.add("next_meeting_date", (
                f"La prochaine réunion ne peut pas précéder celle-ci ({format_date(self.date)})\u00a0: "
                "corrigez l'une des deux dates."))
        self.minutes = (self.minutes or "").strip() or None
        self.decisions = (self.decisions or "").strip() or None
        if self.attachment is None:
            self.attachment_name = self.attachment_size = None
        else:
            content = bytes(self.attachment)
            self.attachment_name = clean_attachment_name(self.attachment_name) or "compte-rendu"
            self.attachment_size = len(content)
            message = attachment_error(self.attachment_name, content)
            if message:
                v.add("attachment", message)
        v.raise_if_any()


class MeetingStructure(BaseModel):
    """A structure represented at a meeting."""

    meeting = ForeignKeyField(
        Meeting, verbose_name="Réunion", backref="structure_links", on_delete="CASCADE",
    )
    structure = ForeignKeyField(
        Structure, verbose_name="Structure", backref="meeting_links", on_delete="CASCADE",
    )

    class Meta:
        table_name = "meeting_structure"
        verbose_name = "structure représentée"
        verbose_name_plural = "structures représentées"
        indexes = ((("meeting", "structure"), True),)

    def __str__(self):
        return f"{self.structure} — {self.meeting}"

    def clean(self):
        v = Validator()
        if self.meeting_id is None:
            v.add("meeting", "Choisissez la réunion.")
        if self.structure_id is None:
            v.add("structure", "Choisissez la structure.")
        v.raise_if_any()



# --- yearly targets --------------------------------------------------------------
SESSIONS, HALF_DAYS = "sessions_formation", "demi_journees_formation"
MEETING_INDICATOR_PREFIX = "reunions_"


def meeting_indicator(kind):
    return MEETING_INDICATOR_PREFIX + kind


TARGET_INDICATORS = [
    (SESSIONS, "Sessions de formation"),
    (HALF_DAYS, "Demi-journées de formation"),
    *((meeting_indicator(code), f"Réunions\u00a0: {label[0].lower()}{label[1:]}") for code, label in MEETING_KINDS),
]
TARGET_INDICATOR_LABELS = dict(TARGET_INDICATORS)
YEAR_RANGE = (2000, 2100)


def current_year():
    return datetime.date.today().year


class Target(VersionedModel):
    """What the network (territory empty) or one territory aims at in a year."""

    year = IntegerField(verbose_name="Année", default=current_year)
    territory = ForeignKeyField(
        Territory, verbose_name="Territoire", null=True, backref="targets", on_delete="CASCADE",
        help_text="Vide\u00a0: l'objectif de tout le réseau (celui des territoires sans objectif propre).",
    )
    indicator = CharField(verbose_name="Indicateur", choices=TARGET_INDICATORS)
    value = IntegerField(verbose_name="Objectif")

    class Meta:
        table_name = "network_target"
        verbose_name = "objectif"
        verbose_name_plural = "objectifs"
        label_fields = ("indicator", "year")
        indexes = ((("year", "territory", "indicator"), True),)

    def __str__(self):
        label = TARGET_INDICATOR_LABELS.get(self.indicator, self.indicator)
        return f"{label} {self.year}\u00a0: {self.value}"

    def clean(self):
        v = Validator()
        if self.year is None or not YEAR_RANGE[0] <= self.year <= YEAR_RANGE[1]:
            v.add("year", "Année invalide (exemple\u00a0: 2026).")
        v.choice("indicator", self.indicator, TARGET_INDICATORS, "Indicateur inconnu.")
        if self.value is None:
            v.add("value", "Indiquez l'objectif (un nombre).")
        elif self.value < 0:
            v.add("value", "L'objectif ne peut pas être négatif.")
        if not v.errors:
            # NULL is never equal to NULL in a unique index: checked here for the whole network.
            same = Target.select(Target.id).where(
                (Target.year == self.year) & (Target.indicator == self.indicator)
                & (Target.territory.is_null() if self.territory_id is None else Target.territory == self.territory_id)
                & (Target.id != (self.id or 0))
            )
            if same.exists():
                where = "tout le réseau" if self.territory_id is None else "ce territoire"
                v.add("indicator", (
                    f"Un objectif « {TARGET_INDICATOR_LABELS[self.indicator]} » existe déjà pour {where} "
                    f"en {self.year}\u00a0: modifiez-le plutôt que d'en créer un second."))
        v.raise_if_any()



def targets_for(year, territory=None):
    """indicator → (value, 'territory' or 'network'): the territory's own target for
    `year`, else the whole network's (one query)."""
    territory_id = getattr(territory, "id", territory)
    condition = Target.territory.is_null()
    if territory_id is not None:
        condition |= Target.territory == territory_id
    found = {}
    for indicator, value, owner in (Target.select(Target.indicator, Target.value, Target.territory)
                                    .where((Target.year == year) & condition).tuples()):
        scope = "network" if owner is None else "territory"
        if indicator not in found or scope == "territory":
            found[indicator] = (value, scope)
    return found


def attachment_of(meeting_id):
    """(file name, type, bytes) of a meeting's attached file, or None (one query,
    reading only those columns)."""
    row = (Meeting.select(Meeting.attachment_name, Meeting.attachment)
           .where((Meeting.id == meeting_id) & Meeting.attachment.is_null(False)).first())
    if row is None:
        return None
    return row.attachment_name, row.attachment_mimetype, bytes(row.attachment)
