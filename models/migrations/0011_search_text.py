"""Fast at a national federation's size (issue 13).

- `search_text` on structure, referent and training: the folded text (accents and case
  aside, phone numbers as digits with and without +33) the grids' search box reads,
  kept by BaseModel.save from Meta.search_fields (models/search.py). Backfilled here with
  a frozen copy of that rule. PostgreSQL: a pg_trgm GIN index serves LIKE '%word%'.
- Reading-order indexes: the grids' default sorts and the joined names (structure,
  référent·e) in the database's French collation, so a page of 20 rows reads 20 index
  entries instead of sorting the table: SQLite's `maillage_text` (registered by
  models.db.open_database), PostgreSQL's ICU `fr-x-icu` / `und-x-icu` when present.
"""
import re
import unicodedata

from peewee import TextField

SEARCHED = {
    'structure': ('nom', 'commune', 'siret', 'courriel', 'code_postal', 'telephone'),
    'referent': ('prenom', 'nom', 'fonction', 'courriel', 'telephone'),
    'training': ('theme', 'trainer', 'place'),
}
PHONES = {'telephone'}
READING_INDEXES = (
    ('structure_reading_order', 'structure', ('nom', 'commune')),
    ('referent_reading_order', 'referent', ('nom', 'prenom')),
    ('referent_reading_order_first_name', 'referent', ('prenom', 'nom')),
    ('territory_reading_order', 'territory', ('name',)),
    ('training_reading_order', 'training', ('theme',)),
)
POSTGRESQL_COLLATIONS = ('fr-x-icu', 'und-x-icu')


def _fold(text):
    return unicodedata.normalize('NFKD', str(text)).encode('ascii', 'ignore').decode().casefold()


def _document(columns, row):
    parts = []
    for name, value in zip(columns, row):
        if value in (None, ''):
            continue
        if name in PHONES:
            digits = re.sub(r'\D', '', value)
            parts.append(digits)
            if value.startswith('+33') and len(digits) == 11:
                parts.append('0' + digits[2:])
        else:
            parts.append(_fold(value))
    return ' '.join(parts) or None


def _is_postgresql(db):
    return db.__class__.__name__.lower().find('postgres') >= 0


def up(migrator, db):
    for table in SEARCHED:
        migrator.migrate(migrator.add_column(table, 'search_text', TextField(null=True)))
    parameter = db.param
    for table, columns in SEARCHED.items():
        rows = db.execute_sql(f'SELECT id, {", ".join(columns)} FROM {table}').fetchall()
        updates = [(_document(columns, row[1:]), row[0]) for row in rows]
        for start in range(0, len(updates), 1000):
            cursor = db.cursor()
            cursor.executemany(f'UPDATE {table} SET search_text = {parameter} WHERE id = {parameter}',
                               updates[start:start + 1000])
    if _is_postgresql(db):
        found = {row[0] for row in db.execute_sql(
            'SELECT collname FROM pg_collation WHERE collname IN %s', (POSTGRESQL_COLLATIONS,))}
        collation = next((f'"{name}"' for name in POSTGRESQL_COLLATIONS if name in found), None)
        with db.atomic():  # the extension may be missing: search stays right, unindexed
            try:
                with db.atomic():
                    db.execute_sql('CREATE EXTENSION IF NOT EXISTS pg_trgm')
                trigram = True
            except Exception:  # noqa: BLE001 (no contrib package, or not allowed)
                trigram = False
        if trigram:
            for table in SEARCHED:
                db.execute_sql(f'CREATE INDEX {table}_search_text ON {table} '
                               f'USING gin (search_text gin_trgm_ops)')
    else:
        collation = 'maillage_text'
        for table in SEARCHED:  # a narrow index the search reads instead of the wide rows
            db.execute_sql(f'CREATE INDEX {table}_search_text ON {table} (search_text)')
    for name, table, columns in READING_INDEXES:
        ordered = ', '.join(f'{column} COLLATE {collation}' if collation else column for column in columns)
        db.execute_sql(f'CREATE INDEX {name} ON {table} ({ordered}, id)')


def down(migrator, db):
    for name, _table, _columns in READING_INDEXES:
        db.execute_sql(f'DROP INDEX {name}')
    for table in SEARCHED:
        db.execute_sql(f'DROP INDEX IF EXISTS {table}_search_text')
        migrator.migrate(migrator.drop_column(table, 'search_text'))
