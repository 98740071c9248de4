"""Indexed search on SQLite (issue 13): for each table with a `search_text` column, an
FTS5 table `<table>_search` over it (external content: it stores only the index, the
text stays in the table), tokenized in trigrams, so that `MATCH '"word"'` finds the rows
whose search text holds `word` (3 characters or more) without reading every row;
models/search.py builds the condition.

Triggers keep it equal to the table whatever writes it (save, insert_many, a raw
UPDATE, refresh_search_text, DELETE): FTS5's external-content pattern, where the old
text is removed with the 'delete' command before the new one is added.
`case_sensitive 1`: the index holds the bytes as they are, so a match is exactly a
substring (INSTR) of the folded text. PostgreSQL keeps its pg_trgm index (0011).
"""

TABLES = ('structure', 'referent', 'training')


def _is_sqlite(db):
    return db.__class__.__name__.lower().find('sqlite') >= 0


def up(migrator, db):
    if not _is_sqlite(db):
        return
    for table in TABLES:
        index = f'{table}_search'
        remove = (f"INSERT INTO {index}({index}, rowid, search_text) "
                  f"VALUES ('delete', old.id, old.search_text);")
        add = f"INSERT INTO {index}(rowid, search_text) VALUES (new.id, new.search_text);"
        db.execute_sql(f"CREATE VIRTUAL TABLE {index} USING fts5(search_text, content='{table}', "
                       f"content_rowid='id', tokenize='trigram case_sensitive 1')")
        db.execute_sql(f'CREATE TRIGGER {index}_insert AFTER INSERT ON {table} BEGIN {add} END')
        db.execute_sql(f'CREATE TRIGGER {index}_delete AFTER DELETE ON {table} BEGIN {remove} END')
        db.execute_sql(f'CREATE TRIGGER {index}_update AFTER UPDATE OF id, search_text ON {table} '
                       f'BEGIN {remove} {add} END')
        db.execute_sql(f"INSERT INTO {index}({index}) VALUES ('rebuild')")


def down(migrator, db):
    if not _is_sqlite(db):
        return
    for table in TABLES:
        for event in ('insert', 'delete', 'update'):
            db.execute_sql(f'DROP TRIGGER {table}_search_{event}')
        db.execute_sql(f'DROP TABLE {table}_search')
