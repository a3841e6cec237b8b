from __future__ import annotations

import pytest
from pydantic import ValidationError

from archive_io.contracts import ArchivalRequest, ConnectionInfo, ConnectionRequest
from tests.conftest import payload


def fields_of(exc: pytest.ExceptionInfo[ValidationError]) -> set[str]:
    return {".".join(str(p) for p in e["loc"]) for e in exc.value.errors()}


def test_the_seed_payload_parses() -> None:
    request = ArchivalRequest.model_validate(payload("archival_input_payload.json"))
    assert [t.table_name for t in request.source_table] == ["products", "leads", "customers"]
    assert request.source_table[0].condition == "Index < 20"
    assert request.source_table[2].condition is None
    assert request.retention_policy == 6


def test_unknown_field_is_named() -> None:
    body = payload("archival_input_payload.json") | {"retention_days": 3}
    with pytest.raises(ValidationError) as exc:
        ArchivalRequest.model_validate(body)
    assert fields_of(exc) == {"retention_days"}


def test_unknown_field_in_a_table_entry_is_named() -> None:
    body = payload("archival_input_payload.json")
    body["source_table"][1]["where"] = "x > 1"
    with pytest.raises(ValidationError) as exc:
        ArchivalRequest.model_validate(body)
    assert fields_of(exc) == {"source_table.1.where"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("legal_hold", "perhaps"),
        ("retention_policy", -1),
        ("retention_policy", "six"),
        ("triggered_by_email", "not-an-email"),
        ("source_table", []),
        ("glue_connection", "bad name!"),
        ("source_schema", "public; drop"),
    ],
)
def test_wrong_values_are_named(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as exc:
        ArchivalRequest.model_validate(payload("archival_input_payload.json") | {field: value})
    assert {f.split(".")[0] for f in fields_of(exc)} == {field}


def test_missing_field_is_named() -> None:
    body = payload("archival_input_payload.json")
    del body["source_database"]
    with pytest.raises(ValidationError) as exc:
        ArchivalRequest.model_validate(body)
    assert fields_of(exc) == {"source_database"}


def test_a_table_listed_twice_is_refused() -> None:
    body = payload("archival_input_payload.json")
    body["source_table"].append({"table_name": "LEADS"})
    with pytest.raises(ValidationError, match="listed twice"):
        ArchivalRequest.model_validate(body)


def test_connection_url_is_secret() -> None:
    request = ConnectionRequest(name="pg", url="postgresql://app:s3cr3t@db.internal:5432/sales")
    assert "s3cr3t" not in repr(request)
    assert "s3cr3t" not in request.model_dump_json()
    info = ConnectionInfo.from_url(request.name, request.url.get_secret_value())
    assert info.model_dump() == {"name": "pg", "engine": "postgresql", "host": "db.internal", "database": "sales"}
    assert "s3cr3t" not in info.model_dump_json()


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://host/db", "unsupported URL scheme"),
        ("postgresql://user@/db", "needs a host"),
        ("mysql://user@host", "needs a host and a database"),
        ("sqlite://", "needs a file path"),
    ],
)
def test_bad_connection_urls(url: str, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        ConnectionRequest(name="x", url=url)


def test_sqlite_urls_with_three_or_four_slashes_name_the_same_file() -> None:
    assert ConnectionInfo.from_url("a", "sqlite:///data/x.db").database == "/data/x.db"
    assert ConnectionInfo.from_url("a", "sqlite:////data/x.db").database == "/data/x.db"


@pytest.mark.parametrize(
    ("created", "years", "until"),
    [
        ("2024-02-29T23:30:00-02:00", 6, "2030-03-01"),
        ("2024-02-29T10:00:00+00:00", 1, "2025-02-28"),
        ("2026-11-22T08:00:00+00:00", 0, "2026-11-22"),
    ],
)
def test_retention_date_is_counted_in_utc_years(created: str, years: int, until: str) -> None:
    from datetime import date, datetime

    from archive_io.contracts import RunRecord, RunStatus

    request = ArchivalRequest.model_validate(payload("archival_input_payload.json") | {"retention_policy": years})
    moment = datetime.fromisoformat(created)
    record = RunRecord(
        run_id="run-x", status=RunStatus.RUNNING, request=request, created_at=moment, updated_at=moment, tables={}
    )
    assert record.retention_until == date.fromisoformat(until)


def test_source_purge_is_opt_in_and_a_table_entry_overrides_the_request() -> None:
    body = payload("archival_input_payload.json")
    request = ArchivalRequest.model_validate(body)
    assert not any(request.purges(t.table_name) for t in request.source_table)
    tables = [dict(t) for t in body["source_table"]]
    tables[0]["purge_source"] = False
    request = ArchivalRequest.model_validate(body | {"purge_source": True, "source_table": tables})
    assert [request.purges(t.table_name) for t in request.source_table] == [False, True, True]
    assert request.purge.chunk_rows == 1000
    assert not request.purge.dry_run


def test_purge_options_are_checked() -> None:
    with pytest.raises(ValidationError) as exc:
        ArchivalRequest.model_validate(payload("archival_input_payload.json") | {"purge": {"chunk_rows": 0}})
    assert fields_of(exc) == {"purge.chunk_rows"}
