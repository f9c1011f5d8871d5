"""title search: FTS5 index over titles, kept in step by triggers (SQLite only)

The FTS rowid is a search key ordering titles by popularity, then id (see
mymovielist/services/search.py); PostgreSQL gets its own search index in a later migration.

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

CREATE = [
    "CREATE VIRTUAL TABLE title_search USING fts5(kind, title, original_title, alt_titles, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4')",
    "CREATE TRIGGER title_search_insert AFTER INSERT ON titles BEGIN INSERT INTO title_search(rowid, kind, title, original_title, alt_titles) VALUES (((CAST((1000000 - MIN(MAX(COALESCE(new.popularity, 0), 0), 999999)) * 1000 AS INTEGER) << 26) | new.id), new.kind, new.title, COALESCE(new.original_title, ''), COALESCE((SELECT group_concat(value, ' ') FROM json_each(new.alt_titles)), '')); END",
    'CREATE TRIGGER title_search_delete AFTER DELETE ON titles BEGIN DELETE FROM title_search WHERE rowid = ((CAST((1000000 - MIN(MAX(COALESCE(old.popularity, 0), 0), 999999)) * 1000 AS INTEGER) << 26) | old.id); END',
    "CREATE TRIGGER title_search_update AFTER UPDATE OF title, original_title, alt_titles, popularity ON titles BEGIN DELETE FROM title_search WHERE rowid = ((CAST((1000000 - MIN(MAX(COALESCE(old.popularity, 0), 0), 999999)) * 1000 AS INTEGER) << 26) | old.id); INSERT INTO title_search(rowid, kind, title, original_title, alt_titles) VALUES (((CAST((1000000 - MIN(MAX(COALESCE(new.popularity, 0), 0), 999999)) * 1000 AS INTEGER) << 26) | new.id), new.kind, new.title, COALESCE(new.original_title, ''), COALESCE((SELECT group_concat(value, ' ') FROM json_each(new.alt_titles)), '')); END",
    "INSERT INTO title_search(rowid, kind, title, original_title, alt_titles) SELECT ((CAST((1000000 - MIN(MAX(COALESCE(t.popularity, 0), 0), 999999)) * 1000 AS INTEGER) << 26) | t.id), t.kind, t.title, COALESCE(t.original_title, ''), COALESCE((SELECT group_concat(value, ' ') FROM json_each(t.alt_titles)), '') FROM titles AS t",
]

DROP = [
    'DROP TRIGGER IF EXISTS title_search_update',
    'DROP TRIGGER IF EXISTS title_search_delete',
    'DROP TRIGGER IF EXISTS title_search_insert',
    'DROP TABLE IF EXISTS title_search',
]


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in CREATE:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in DROP:
        op.execute(statement)
