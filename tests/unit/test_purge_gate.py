"""No source row may be purged unless the same run validated the table PASSED."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from archive_io.contracts import ArchivalRequest, RunRecord, RunStatus, TableResult, TableStatus, Validation, Verdict
from archive_io.tables.archival import PurgeRefusedError, purge_allowed
from tests.conftest import payload


def record(validation: Validation | None) -> RunRecord:
    now = datetime(2026, 11, 23, tzinfo=UTC)
    table = TableResult(
        table_name="products",
        status=TableStatus.VALIDATED if validation else TableStatus.ARCHIVED,
        source_sql='SELECT * FROM "main"."products"',
        columns=["id"],
        iceberg_table="archive_demo_main.products",
        validation=validation,
    )
    return RunRecord(
        run_id="run-1",
        status=RunStatus.RUNNING,
        request=ArchivalRequest.model_validate(payload("archival_input_payload.json")),
        created_at=now,
        updated_at=now,
        tables={"products": table},
    )


def test_a_passed_validation_allows_the_purge() -> None:
    passed = Validation(verdict=Verdict.PASSED, source_rows=3, archive_rows=3)
    assert purge_allowed(record(passed), "products") is passed


@pytest.mark.parametrize(
    ("validation", "table", "message"),
    [
        (
            Validation(verdict=Verdict.FAILED, source_rows=3, archive_rows=2, reasons=["row count differs"]),
            "products",
            "failed validation: row count differs",
        ),
        (None, "products", "was not validated (ARCHIVED)"),
        (Validation(verdict=Verdict.PASSED, source_rows=3, archive_rows=3), "leads", "did not archive 'leads'"),
    ],
)
def test_anything_else_refuses_it(validation: Validation | None, table: str, message: str) -> None:
    with pytest.raises(PurgeRefusedError, match=re.escape(message)):
        purge_allowed(record(validation), table)
