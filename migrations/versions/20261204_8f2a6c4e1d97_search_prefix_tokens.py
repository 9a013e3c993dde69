"""Search at scale (issue 12, PostgreSQL): word prefixes as exact tokens of the GIN index

A typed word matches as a prefix. In a tsquery, ``c<id>w<word>:*`` makes the GIN index merge
the posting lists of every word it starts (a bitmap of half the course for "grow" at 100k
mentors, 10 ms) even when the facets asked for leave a few hundred mentors. The index now
also holds, for every word of the document, its prefixes of 2 to 6 letters as tokens
``c<id>p<prefix>``, computed by ``mentor_search_prefixes(search_document)``: the index is on
``(mentor_search_vector, mentor_search_prefixes(search_document))`` and a search with narrow
facets asks for the prefix token, so that every condition is an exact token and the index
intersects the lists from the rarest one (``lti_tool.mentors.search._postgresql_match``).

The prefixes are in the index only, not in the rows (stored, they made every row's tsvector
three times longer and a walk over the course unpack it). The function is declared costly:
no plan computes it per row (a bitmap heap scan of exact pages does not recheck it).
SQLite is unchanged (FTS5 answers prefixes from its own index).

Like the other ``mentor_search*`` objects, not a model (the migration-agreement test skips
them).

Revision ID: 8f2a6c4e1d97
Revises: 3e4f5a6b7c8d
Create Date: 2026-12-04 05:00:00
"""

from alembic import op

revision = "8f2a6c4e1d97"
down_revision = "3e4f5a6b7c8d"
branch_labels = None
depends_on = None

#: The prefix lengths are 2 (search.MIN_PREFIX_LENGTH) to 6 (search_index.PREFIX_TOKEN_LENGTH).
PREFIXES_FUNCTION = """
CREATE OR REPLACE FUNCTION mentor_search_prefixes(document text) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 10000 AS $$
DECLARE
    scope text := substring(document from '^c[0-9]+');
    word_start int;
    token text;
    word text;
    size int;
    prefixes text[] := '{}';
BEGIN
    IF scope IS NULL THEN
        RETURN ''::tsvector;
    END IF;
    word_start := length(scope) + 2;
    FOREACH token IN ARRAY string_to_array(document, ' ') LOOP
        IF starts_with(token, scope || 'w') THEN
            word := substr(token, word_start);
            FOR size IN 2 .. least(length(word), 6) LOOP
                prefixes := prefixes || (scope || 'p' || left(word, size));
            END LOOP;
        END IF;
    END LOOP;
    RETURN array_to_tsvector(prefixes);
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(PREFIXES_FUNCTION)
    op.execute("DROP INDEX IF EXISTS mentor_search_vector_gin")
    op.execute(
        "CREATE INDEX mentor_search_vector_gin ON mentor_profile "
        "USING gin (mentor_search_vector, mentor_search_prefixes(search_document))"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS mentor_search_vector_gin")
    op.execute(
        "CREATE INDEX mentor_search_vector_gin ON mentor_profile "
        "USING gin (mentor_search_vector)"
    )
    op.execute("DROP FUNCTION IF EXISTS mentor_search_prefixes(text)")
