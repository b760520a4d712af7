"""Full-text engines behind one small interface, chosen by the database vendor.

- SQLite (the embedded default): an FTS5 table over SearchEntry's token columns, ranked with bm25().
- PostgreSQL: a generated tsvector column ('simple' config over the pre-segmented tokens, title weighted A,
  body B) with a GIN index, ranked with ts_rank().
- Anything else: a plain LIKE scan, so the platform still works (slowly) on an unexpected database.

Every search is joined to a permission subquery (the ids of the SearchEntry rows the user may see), so
filtering happens in the database, before ranking, limits and counts.
"""

from __future__ import annotations

from django.db import connection

ENTRY_TABLE = "search_searchentry"
FTS_TABLE = "search_searchentry_fts"

# Kept identical to migration 0002 (migrations must not import app code); `ensure_schema` re-creates these
# when a later migration rebuilt the entry table on SQLite and so dropped its triggers.
SQLITE_SCHEMA = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(
        title_tokens, body_tokens, content='{ENTRY_TABLE}', content_rowid='id', tokenize='unicode61')""",
    f"""CREATE TRIGGER IF NOT EXISTS search_entry_fts_insert AFTER INSERT ON {ENTRY_TABLE} BEGIN
        INSERT INTO {FTS_TABLE}(rowid, title_tokens, body_tokens)
        VALUES (new.id, new.title_tokens, new.body_tokens);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS search_entry_fts_delete AFTER DELETE ON {ENTRY_TABLE} BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title_tokens, body_tokens)
        VALUES ('delete', old.id, old.title_tokens, old.body_tokens);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS search_entry_fts_update AFTER UPDATE ON {ENTRY_TABLE} BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title_tokens, body_tokens)
        VALUES ('delete', old.id, old.title_tokens, old.body_tokens);
        INSERT INTO {FTS_TABLE}(rowid, title_tokens, body_tokens)
        VALUES (new.id, new.title_tokens, new.body_tokens);
    END""",
]
POSTGRES_SCHEMA = [
    f"""ALTER TABLE {ENTRY_TABLE} ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, coalesce(title_tokens, '')), 'A') ||
        setweight(to_tsvector('simple'::regconfig, coalesce(body_tokens, '')), 'B')) STORED""",
    f"CREATE INDEX IF NOT EXISTS search_entry_vector_gin ON {ENTRY_TABLE} USING gin (search_vector)",
]


class SearchBackend:
    """Base: subclasses say how to match and rank; the SQL around it (permissions, kinds, paging) is shared."""

    name = "base"

    def match_expression(self, terms: list[str], mode: str) -> str:
        raise NotImplementedError

    def _from_where(self) -> tuple[str, str]:
        """(FROM clause, WHERE condition) with one %s placeholder for the match expression."""
        raise NotImplementedError

    def _score(self) -> str:
        """A SQL expression for relevance, higher is better."""
        raise NotImplementedError

    def ensure_schema(self) -> None:
        """Create the engine's structures if they are missing (idempotent)."""

    def rebuild(self) -> None:
        """Bring the engine's structures in line with SearchEntry after a bulk change."""

    def _query(self, allowed, terms, mode, select, kind=None, tail="", tail_params=()):
        allowed_sql, allowed_params = allowed.values("id").query.sql_with_params()
        from_clause, condition = self._from_where()
        sql = f"SELECT {select} FROM {from_clause} WHERE {condition} AND e.id IN ({allowed_sql})"
        params = [self.match_expression(terms, mode), *allowed_params]
        if kind:
            sql += " AND e.kind = %s"
            params.append(kind)
        with connection.cursor() as cursor:
            cursor.execute(sql + tail, [*params, *tail_params])
            return cursor.fetchall()

    def search(self, allowed, terms, mode="all", kind=None, limit=10, offset=0) -> list[tuple[int, float]]:
        """(entry id, score) of the best matches among `allowed` (a SearchEntry queryset), best first."""
        if not terms:
            return []
        rows = self._query(allowed, terms, mode, f"e.id, {self._score()} AS score", kind,
                           " ORDER BY score DESC, e.id DESC LIMIT %s OFFSET %s", (limit, offset))
        return [(row[0], float(row[1] or 0)) for row in rows]

    def counts(self, allowed, terms, mode="all") -> dict[str, int]:
        """Matches per kind among `allowed`."""
        if not terms:
            return {}
        return dict(self._query(allowed, terms, mode, "e.kind, COUNT(*)", tail=" GROUP BY e.kind"))


class SqliteFts5Backend(SearchBackend):
    name = "sqlite-fts5"

    def match_expression(self, terms, mode):
        # Terms are letters and digits only (text.clean_term); quoting them makes 'AND', 'NEAR' or '*'
        # plain strings, and the trailing * makes each a prefix query, useful while the user is typing.
        joiner = " AND " if mode == "all" else " OR "
        return joiner.join(f'"{term}"*' for term in terms)

    def _from_where(self):
        return (f"{FTS_TABLE} JOIN {ENTRY_TABLE} e ON e.id = {FTS_TABLE}.rowid", f"{FTS_TABLE} MATCH %s")

    def _score(self):
        # bm25() is lower-is-better; weight title matches 4x over body matches.
        return f"-bm25({FTS_TABLE}, 4.0, 1.0)"

    def ensure_schema(self):
        with connection.cursor() as cursor:
            for statement in SQLITE_SCHEMA:
                cursor.execute(statement)

    def rebuild(self):
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


class PostgresBackend(SearchBackend):
    name = "postgresql-tsvector"

    def match_expression(self, terms, mode):
        joiner = " & " if mode == "all" else " | "
        return joiner.join(f"'{term}':*" for term in terms)

    def _from_where(self):
        return (f"{ENTRY_TABLE} e, to_tsquery('simple', %s) query", "e.search_vector @@ query")

    def _score(self):
        return "ts_rank(e.search_vector, query)"

    def ensure_schema(self):
        with connection.cursor() as cursor:
            for statement in POSTGRES_SCHEMA:
                cursor.execute(statement)


class LikeBackend(SearchBackend):
    """Fallback for databases without a supported full-text engine: substring match on the token columns."""

    name = "like"

    def match_expression(self, terms, mode):
        return ""

    def _score(self):
        return "0"

    def _query(self, allowed, terms, mode, select, kind=None, tail="", tail_params=()):
        from django.db.models import Q

        from .models import SearchEntry

        condition = Q()
        for term in terms:
            part = Q(title_tokens__icontains=term) | Q(body_tokens__icontains=term)
            condition = (condition & part) if mode == "all" else (condition | part)
        qs = SearchEntry.objects.filter(condition, id__in=allowed.values("id"))
        if kind:
            qs = qs.filter(kind=kind)
        if select.startswith("e.kind"):
            from django.db.models import Count

            return list(qs.values_list("kind").annotate(n=Count("id")).order_by())
        limit, offset = tail_params
        return [(pk, 0.0) for pk in qs.order_by("-id").values_list("id", flat=True)[offset:offset + limit]]


def get_backend() -> SearchBackend:
    if connection.vendor == "sqlite":
        return SqliteFts5Backend()
    if connection.vendor == "postgresql":
        return PostgresBackend()
    return LikeBackend()
