"""The budget as French funders read it (issue 11): a kind of funder on each funding
line (État, Région, Département, Commune / EPCI, CAF, Union européenne, fondation / privé,
autre), typed from today's free-text funder names; a funding line's amount per year
(funding_year); a CERFA account on each cost line (empty: its category's default)."""
import re
import unicodedata

from peewee import CharField, DecimalField, ForeignKeyField, IntegerField, Model, SQL

# (kind, words of the folded funder name), first match wins: "Appel à projets — Politique
# de la Ville" is a call of the État, not the city's; a whole word each ("CD", not "CDC").
FUNDER_WORDS = [
    ('etat', r'etat|fipdr|appels? a projets?|drdfe|direccte|dreets|ddets|ddcs|ars|mildeca|fdva'
             r'|prefecture|ministere|anct|politique de la ville'),
    ('ue', r'fse\+?|fse plus|fonds social europeen|union europeenne|feder'),
    ('caf', r'caf|caisse d.allocations familiales'),
    ('departement', r'conseil departemental|departement|cd\d*'),
    ('region', r'region|conseil regional'),
    ('commune', r'ville|commune|mairie|epci|communaute de communes|agglomeration|metropole|ccas'),
    ('fondation', r'fondation|fonds prives'),
]


def fold(text):
    """Lower case, accents off: 'État' → 'etat'."""
    decomposed = unicodedata.normalize('NFKD', text or '')
    return ''.join(c for c in decomposed if not unicodedata.combining(c)).lower()


def funder_kind(name):
    folded = fold(name)
    for kind, words in FUNDER_WORDS:
        if re.search(rf'(?<![a-z0-9])(?:{words})(?![a-z0-9])', folded):
            return kind
    return 'autre'


def up(migrator, db):
    class FundingLine(Model):
        funder = CharField()
        funder_kind = CharField(default='autre')  # the column added below

        class Meta:
            database = db
            table_name = 'funding_line'

    class FundingYear(Model):
        funding_line = ForeignKeyField(FundingLine, on_delete='CASCADE')
        year = IntegerField()
        amount = DecimalField(max_digits=12, decimal_places=2)
        status = CharField(null=True)
        version = IntegerField(default=1, constraints=[SQL('DEFAULT 1')])

        class Meta:
            database = db
            table_name = 'funding_year'
            indexes = ((('funding_line', 'year'), True),)

    migrator.migrate(
        migrator.add_column('funding_line', 'funder_kind', CharField(default='autre')),
        migrator.add_column('cost_line', 'account', CharField(null=True)),
    )
    by_kind = {}
    for line_id, funder in db.execute_sql('SELECT id, funder FROM funding_line').fetchall():
        by_kind.setdefault(funder_kind(funder), []).append(line_id)
    for kind, ids in by_kind.items():
        if kind != 'autre':
            FundingLine.update(funder_kind=kind).where(FundingLine.id.in_(ids)).execute()
    db.create_tables([FundingYear])


def down(migrator, db):
    db.execute_sql('DROP TABLE funding_year')
    migrator.migrate(
        migrator.drop_column('funding_line', 'funder_kind'),
        migrator.drop_column('cost_line', 'account'),
    )
