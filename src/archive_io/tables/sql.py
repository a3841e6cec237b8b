"""The SELECT an archival runs, built from the request's `condition` or `query` with sqlglot.

Users write column names as they think of them (`Index < 20`); each is matched against the
table's real columns (exactly, else case-insensitively) and quoted for the source's dialect,
so SQL keywords that are column names (INDEX, ORDER...) and mixed case work everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from archive_io.tables.errors import RequestError

# Anything that is not a plain expression over the table's own columns.
_FORBIDDEN = (exp.Query, exp.Subquery, exp.Command, exp.DDL, exp.DML, exp.Into, exp.Placeholder)
# sqlglot gives every standard SQL function its own expression class; what it does not know
# stays `Anonymous`: pg_sleep, pg_read_file, lo_import, dblink, sleep, load_file, benchmark...
# An allowlist, not a blocklist: only these unknown-to-sqlglot names are known to be pure.
_PURE_ANONYMOUS = {"now"}


def resolve_column(name: str, columns: Sequence[str], table: str) -> str:
    """The table's real column a user's name means: exactly, else case-insensitively and unambiguously."""
    if name in columns:
        return name
    matches = [c for c in columns if c.lower() == name.lower()]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise RequestError(f"column {name!r} of {table} is ambiguous: it matches {', '.join(matches)}")
    raise RequestError(f"column {name!r} does not exist in {table}; its columns are {', '.join(columns)}")


def _parse_one(sql: str, dialect: str, what: str) -> exp.Expression:
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except ParseError as exc:
        raise RequestError(f"{what} is not valid SQL: {exc.errors[0]['description'] if exc.errors else exc}") from None
    if len(statements) != 1:
        raise RequestError(f"{what} must be a single statement, got {len(statements)}")
    return cast(exp.Expression, statements[0])


def _check_and_quote(node: exp.Expression, columns: Sequence[str], table: str, what: str) -> exp.Expression:
    """Resolve and quote every column of `node`; refuse anything but expressions over the table."""
    for forbidden in node.find_all(*_FORBIDDEN):
        raise RequestError(f"{what} may not contain {forbidden.key.upper()}: {forbidden.sql()[:80]}")
    for call in node.find_all(exp.Anonymous):
        if call.name.lower() not in _PURE_ANONYMOUS:
            raise RequestError(
                f"{what} may not call {call.name}(): only standard SQL functions without side effects are allowed"
            )
    for column in node.find_all(exp.Column):
        if column.table and column.table.lower() != table.rsplit(".", maxsplit=1)[-1].lower():
            raise RequestError(f"{what} refers to table {column.table!r}; only {table} may be read")
        real = resolve_column(column.name, columns, table)
        column.replace(exp.column(real, quoted=True))
    return node


def build_select(
    *,
    dialect: str,
    schema: str,
    table: str,
    columns: Sequence[str],
    condition: str | None = None,
    query: str | None = None,
) -> tuple[str, list[str]]:
    """The SELECT of `schema.table`'s columns filtered by `condition` or `query`, and its columns.

    A `query` must be a single SELECT of `*` or of plain columns over this table alone: its
    columns and WHERE are kept, anything else (joins, grouping, subqueries, other tables) is
    refused. Comments are dropped from the SQL that runs.
    """
    qualified = f"{schema}.{table}"
    where: exp.Expression | None = None
    selected = list(columns)
    if condition is not None and query is not None:
        selected, query_where = _parse_query(query, dialect, schema, table, columns)
        condition_where = _condition(condition, dialect, columns, qualified)
        if query_where is None or query_where.sql(dialect, comments=False) != condition_where.sql(
            dialect, comments=False
        ):
            raise RequestError(
                f"{table}: condition and query select different rows; give one of them, or make them agree"
            )
        where = condition_where
    elif query is not None:
        selected, where = _parse_query(query, dialect, schema, table, columns)
    elif condition is not None:
        where = _condition(condition, dialect, columns, qualified)
    select = exp.select(*(exp.column(c, quoted=True) for c in selected)).from_(
        exp.table_(table, db=schema, quoted=True)
    )
    if where is not None:
        select = select.where(where)
    return select.sql(dialect=dialect, comments=False), selected


def _condition(condition: str, dialect: str, columns: Sequence[str], table: str) -> exp.Expression:
    node = _parse_one(f"SELECT 1 WHERE {condition}", dialect, "condition")
    where = node.args.get("where")
    used = {k for k, v in node.args.items() if v}
    if not isinstance(node, exp.Select) or where is None or used != {"expressions", "where"}:
        raise RequestError(f"condition must be a boolean expression over {table}'s columns: {condition!r}")
    return _check_and_quote(where.this, columns, table, "condition")


def _parse_query(
    query: str, dialect: str, schema: str, table: str, columns: Sequence[str]
) -> tuple[list[str], exp.Expression | None]:
    """The columns a query selects (all for `*`) and its WHERE condition."""
    qualified = f"{schema}.{table}"
    node = _parse_one(query, dialect, "query")
    if not isinstance(node, exp.Select):
        raise RequestError(f"query must be a SELECT, got {node.key.upper()}")
    allowed = {"expressions", "from_", "where"}
    extra = sorted(k for k, v in node.args.items() if v and k not in allowed)
    if extra:
        raise RequestError(f"query may only select columns of {qualified} with a WHERE; it has {', '.join(extra)}")
    source = node.args["from_"].this if node.args.get("from_") else None
    if (
        not isinstance(source, exp.Table)
        or source.name.lower() != table.lower()
        or (source.db and source.db.lower() != schema.lower())
    ):
        raise RequestError(f"query must read {qualified} and nothing else")
    selected: list[str] = []
    for projection in node.expressions:
        if isinstance(projection, exp.Star):
            selected.extend(columns)
        elif isinstance(projection, exp.Column):
            selected.append(resolve_column(projection.name, columns, qualified))
        else:
            raise RequestError(f"query may only select columns of {qualified}, not {projection.sql(dialect)!r}")
    if len(set(selected)) != len(selected):
        raise RequestError(f"query selects a column of {qualified} twice")
    where = node.args.get("where")
    return selected, (_check_and_quote(where.this, columns, qualified, "query") if where else None)
