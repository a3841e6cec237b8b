from __future__ import annotations

import pytest

from archive_io.tables.errors import RequestError
from archive_io.tables.sql import build_select

COLUMNS = ["Index", "Name", "Price"]


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        ("sqlite", 'SELECT "Index", "Name", "Price" FROM "main"."products" WHERE "Index" < 20'),
        ("postgres", 'SELECT "Index", "Name", "Price" FROM "main"."products" WHERE "Index" < 20'),
        ("mysql", "SELECT `Index`, `Name`, `Price` FROM `main`.`products` WHERE `Index` < 20"),
    ],
)
def test_index_keyword_column_is_resolved_and_quoted(dialect: str, expected: str) -> None:
    sql, columns = build_select(
        dialect=dialect, schema="main", table="products", columns=COLUMNS, condition="Index < 20"
    )
    assert sql == expected
    assert columns == COLUMNS


def test_names_match_case_insensitively_to_the_real_column() -> None:
    sql, _ = build_select(
        dialect="postgres", schema="s", table="t", columns=COLUMNS, condition="index >= 3 AND NAME = 'x'"
    )
    assert sql.endswith('WHERE "Index" >= 3 AND "Name" = \'x\'')


def test_query_keeps_its_columns_and_where() -> None:
    sql, columns = build_select(
        dialect="postgres", schema="s", table="t", columns=COLUMNS, query="SELECT name, index FROM s.t WHERE price > 2"
    )
    assert sql == 'SELECT "Name", "Index" FROM "s"."t" WHERE "Price" > 2'
    assert columns == ["Name", "Index"]


def test_condition_and_query_that_agree_are_accepted() -> None:
    sql, _ = build_select(
        dialect="sqlite",
        schema="main",
        table="products",
        columns=COLUMNS,
        condition="Index < 20",
        query="SELECT * FROM main.products WHERE Index < 20",
    )
    assert sql.endswith('WHERE "Index" < 20')


def test_comments_do_not_reach_the_source() -> None:
    sql, _ = build_select(dialect="postgres", schema="s", table="t", columns=COLUMNS, condition="Index < 2 -- hi")
    assert "hi" not in sql
    assert "--" not in sql


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"condition": "Index < 20; DROP TABLE t"}, "single statement"),
        ({"condition": "Nope > 1"}, "column 'Nope' does not exist in s.t; its columns are Index, Name, Price"),
        ({"condition": "Index IN (SELECT 1)"}, "may not contain"),
        ({"condition": "1=1) OR (1=1"}, "not valid SQL"),
        ({"condition": "Index < 20 ORDER BY 1"}, "boolean expression"),
        ({"condition": "other.Index < 20"}, "refers to table 'other'"),
        ({"query": "SELECT * FROM other"}, "must read s.t and nothing else"),
        ({"query": "SELECT * FROM s.t JOIN x ON 1=1"}, "it has joins"),
        ({"query": "DELETE FROM s.t"}, "must be a SELECT"),
        ({"query": "SELECT count(*) FROM s.t"}, "may only select columns"),
        ({"condition": "Index < 5", "query": "SELECT * FROM s.t WHERE Index < 6"}, "select different rows"),
    ],
)
def test_refusals_say_why(kwargs: dict[str, str], problem: str) -> None:
    with pytest.raises(RequestError) as exc:
        build_select(dialect="postgres", schema="s", table="t", columns=COLUMNS, **kwargs)
    assert problem in str(exc.value)


def test_ambiguous_case_insensitive_match_is_refused() -> None:
    with pytest.raises(RequestError, match="ambiguous"):
        build_select(dialect="postgres", schema="s", table="t", columns=["id", "ID"], condition="Id = 1")


# What an attacker (or a careless user) might send as `condition`, and the part of the reply that says why.
INJECTIONS = [
    ("Index < 20; DROP TABLE t", "single statement"),
    ("Index < 20 --\n; DELETE FROM t", "single statement"),
    ("Index < 20 /* ; DROP TABLE t */", None),  # the comment is dropped, the condition is harmless
    ("pg_sleep(10) IS NULL", "may not call pg_sleep()"),
    ("pg_read_file('/etc/passwd') <> ''", "may not call pg_read_file()"),
    ("lo_import('/etc/passwd') > 0", "may not call lo_import()"),
    ("dblink('host=evil', 'select 1') IS NULL", "may not call dblink()"),
    ("set_config('role', 'postgres', false) = 'x'", "may not call set_config()"),
    ("sleep(5) = 0", "may not call sleep()"),
    ("load_file('/etc/passwd') IS NULL", "may not call load_file()"),
    ("benchmark(10000000, md5('a')) = 0", "may not call benchmark()"),
    ("Index IN (SELECT id FROM secrets)", "may not contain"),
    ("EXISTS (SELECT 1 FROM pg_shadow)", "may not contain"),
    ("Index < 20 UNION SELECT * FROM secrets", "not valid SQL|boolean expression"),
    ("1=1) OR (1=1", "not valid SQL"),
]


@pytest.mark.parametrize(("condition", "problem"), INJECTIONS)
@pytest.mark.parametrize("dialect", ["postgres", "mysql"])
def test_injection_corpus(dialect: str, condition: str, problem: str | None) -> None:
    if problem is None:
        sql, _ = build_select(dialect=dialect, schema="s", table="t", columns=COLUMNS, condition=condition)
        assert "DROP" not in sql
        return
    with pytest.raises(RequestError, match=problem):
        build_select(dialect=dialect, schema="s", table="t", columns=COLUMNS, condition=condition)


@pytest.mark.parametrize(
    ("dialect", "query", "problem"),
    [
        ("mysql", "SELECT * FROM s.t INTO OUTFILE '/tmp/x'", "not valid SQL"),  # sqlglot cannot even parse it
        ("postgres", "SELECT * INTO stolen FROM s.t", "it has into"),  # SELECT INTO creates a table
    ],
)
def test_select_into_is_refused(dialect: str, query: str, problem: str) -> None:
    with pytest.raises(RequestError, match=problem):
        build_select(dialect=dialect, schema="s", table="t", columns=COLUMNS, query=query)


@pytest.mark.parametrize(
    ("dialect", "condition"),
    [
        ("postgres", "Price > 0 AND lower(Name) LIKE 'a%' AND coalesce(Index, 0) < now() - interval '1 day'"),
        ("mysql", "Index < 20 AND DATE_SUB(NOW(), INTERVAL 30 DAY) > Price AND upper(Name) = 'A'"),
    ],
)
def test_standard_functions_are_allowed(dialect: str, condition: str) -> None:
    sql, _ = build_select(dialect=dialect, schema="s", table="t", columns=COLUMNS, condition=condition)
    assert "WHERE" in sql
