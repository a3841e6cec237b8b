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
