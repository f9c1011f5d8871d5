"""title search: an index over titles kept in step by triggers (FTS5 on SQLite, tsvector on PostgreSQL)

SQLite: the FTS rowid is a search key ordering titles by popularity, then id (see
mymovielist/services/search.py). PostgreSQL: a side table with an unaccented name key (prefix
matches through a text_pattern_ops index, fuzzy ones through pg_trgm) and a tsvector document
(GIN), filled by a trigger. Both tables start with "title_search", which migrations/env.py leaves
out of autogenerate: they belong to the search backend, not to the model.

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


PG_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    # unaccent() is STABLE; the index expressions and the trigger need one fixed dictionary.
    """CREATE OR REPLACE FUNCTION title_search_fold(value text) RETURNS text
       LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
       $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, coalesce(value, ''))) $$""",
    """CREATE TABLE title_search_pg (
         title_id integer PRIMARY KEY REFERENCES titles (id) ON DELETE CASCADE,
         kind varchar(16) NOT NULL,
         popularity double precision NOT NULL DEFAULT 0,
         name_key text NOT NULL,
         document tsvector NOT NULL)""",
    "CREATE INDEX title_search_pg_name ON title_search_pg (name_key text_pattern_ops)",
    "CREATE INDEX title_search_pg_trgm ON title_search_pg USING gin (name_key gin_trgm_ops)",
    "CREATE INDEX title_search_pg_document ON title_search_pg USING gin (document)",
    "CREATE INDEX title_search_pg_popularity ON title_search_pg (popularity DESC, title_id)",
    """CREATE OR REPLACE FUNCTION title_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         INSERT INTO title_search_pg (title_id, kind, popularity, name_key, document)
         VALUES (NEW.id, NEW.kind, coalesce(NEW.popularity, 0), title_search_fold(NEW.title),
                 to_tsvector('simple', title_search_fold(NEW.title || ' ' || coalesce(NEW.original_title, '') || ' '
                   || coalesce((SELECT string_agg(v, ' ') FROM json_array_elements_text(NEW.alt_titles::json) AS v), ''))))
         ON CONFLICT (title_id) DO UPDATE SET kind = EXCLUDED.kind, popularity = EXCLUDED.popularity,
           name_key = EXCLUDED.name_key, document = EXCLUDED.document;
         RETURN NULL;
       END $$""",
    """CREATE TRIGGER title_search_pg_sync AFTER INSERT OR UPDATE OF title, original_title, alt_titles, popularity, kind
       ON titles FOR EACH ROW EXECUTE FUNCTION title_search_sync()""",
    "UPDATE titles SET title = title",  # index what is already there
]

PG_DROP = [
    "DROP TRIGGER IF EXISTS title_search_pg_sync ON titles",
    "DROP FUNCTION IF EXISTS title_search_sync()",
    "DROP TABLE IF EXISTS title_search_pg",
    "DROP FUNCTION IF EXISTS title_search_fold(text)",
]


def upgrade():
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": CREATE, "postgresql": PG_CREATE}.get(dialect, []):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": DROP, "postgresql": PG_DROP}.get(dialect, []):
        op.execute(statement)
