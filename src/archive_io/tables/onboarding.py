"""Onboarding and discovery (seed 001): YAML files under `config/` in the config bucket.

The bucket is the store: `POST /onboardings` (and `archive-io onboard FILE`) checks a file
against its source and writes it there, and a file uploaded there directly is read the same way
by discovery, which reports any file it cannot use instead of skipping it silently.
"""

from __future__ import annotations

import re
from contextlib import closing
from datetime import UTC, datetime, time, timedelta
from typing import Any

from pydantic import ValidationError
from sqlglot import exp

from archive_io.aws.locks import TableLockedError
from archive_io.aws.runs import RunNotFoundError
from archive_io.contracts.archival import ArchivalRequest, SourceTable
from archive_io.contracts.onboarding import DueTable, OnboardedTable, Onboarding
from archive_io.runtime import Runtime
from archive_io.tables.archival import IdempotencyConflictError, keyed_run_id, start_archival
from archive_io.tables.errors import RequestError
from archive_io.tables.sources import Source, SourceOpener, open_source
from archive_io.tables.sql import build_select, resolve_column

CONFIG_PREFIX = "config/"


def store_onboarding(runtime: Runtime, onboarding: Onboarding, opener: SourceOpener = open_source) -> str:
    """Check every table and date column against the source, then store the file; its key."""
    with closing(opener(runtime.connections.url(onboarding.connection))) as source:
        for table in onboarding.tables:
            columns = [c.name for c in source.columns(onboarding.schema_, table.name)]
            resolve_column(table.date_column, columns, f"{onboarding.schema_}.{table.name}")
    runtime.aws.s3.put_object(
        Bucket=runtime.settings.config_bucket,
        Key=onboarding.key,
        Body=onboarding.to_yaml().encode(),
        ContentType="application/yaml",
    )
    return onboarding.key


def load_onboardings(runtime: Runtime) -> tuple[list[Onboarding], list[str]]:
    """Every onboarding file in the config bucket, and a problem line for each unusable one."""
    s3 = runtime.aws.s3
    found, problems = [], []
    for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=runtime.settings.config_bucket, Prefix=CONFIG_PREFIX
    ):
        for item in page.get("Contents", []):
            key = item["Key"]
            if not key.endswith((".yaml", ".yml")):
                continue
            text = s3.get_object(Bucket=runtime.settings.config_bucket, Key=key)["Body"].read().decode()
            try:
                found.append(Onboarding.from_yaml(text))
            except (ValueError, ValidationError) as exc:
                problems.append(f"{key}: {exc}")
    return found, problems


def due_condition(source: Source, date_column: str, cutoff: datetime) -> str:
    """`<date_column> < '<cutoff>'` in the source's dialect, ready for a request's `condition`."""
    literal = exp.Literal.string(cutoff.strftime("%Y-%m-%d %H:%M:%S"))
    return exp.LT(this=exp.column(date_column, quoted=True), expression=literal).sql(dialect=source.dialect)


def discover(
    runtime: Runtime,
    now: datetime,
    opener: SourceOpener = open_source,
    loaded: tuple[list[Onboarding], list[str]] | None = None,
) -> tuple[list[DueTable], list[str]]:
    """The onboarded tables with rows older than their `archive_after_days`, counted at the source."""
    onboardings, problems = loaded or load_onboardings(runtime)
    problems = list(problems)
    due: list[DueTable] = []
    for onboarding in onboardings:
        try:
            source = opener(runtime.connections.url(onboarding.connection))
        except (LookupError, RequestError) as exc:
            problems.append(f"{onboarding.key}: {exc}")
            continue
        with closing(source):
            due += [_due_table(source, onboarding, table, now) for table in onboarding.tables]
    return due, problems


def _due_table(source: Source, onboarding: Onboarding, table: OnboardedTable, now: datetime) -> DueTable:
    base = {
        "connection": onboarding.connection,
        "database": onboarding.database,
        "schema_": onboarding.schema_,
        "table": table.name,
    }
    qualified = f"{onboarding.schema_}.{table.name}"
    try:
        columns = [c.name for c in source.columns(onboarding.schema_, table.name)]
        column = resolve_column(table.date_column, columns, qualified)
        condition = due_condition(source, column, now - timedelta(days=table.archive_after_days))
        sql, _ = build_select(
            dialect=source.dialect, schema=onboarding.schema_, table=table.name, columns=columns, condition=condition
        )
        return DueTable(**base, condition=condition, due_rows=source.count(sql))
    except RequestError as exc:
        return DueTable(**base, condition="", due_rows=None, problem=str(exc))


def run_schedule(runtime: Runtime, fired: datetime, opener: SourceOpener = open_source) -> dict[str, Any]:
    """Start one archival run per onboarded table with due rows, once per day.

    Due is counted as of the start of the schedule's day (UTC), so every firing on one day asks
    the same thing; the run's idempotency key names the day and the table, so a second firing
    finds the run the first one started (`already_started`) instead of starting another.
    """
    day = fired.astimezone(UTC).date()
    as_of = datetime.combine(day, time(), UTC)
    onboardings, _ = loaded = load_onboardings(runtime)
    due, problems = discover(runtime, as_of, opener, loaded)
    by_source = {(o.connection, o.database, o.schema_): o for o in onboardings}
    started, already = [], []
    for table in due:
        if table.problem or not table.due_rows:
            continue
        onboarding = by_source[(table.connection, table.database, table.schema_)]
        entry = next(t for t in onboarding.tables if t.name == table.table)
        request = ArchivalRequest(
            glue_connection=onboarding.connection,
            legal_hold=onboarding.legal_hold,
            retention_policy=onboarding.retention_policy,
            source_database=onboarding.database,
            source_schema=onboarding.schema_,
            source_table=[
                SourceTable(table_name=table.table, condition=table.condition, purge_source=entry.purge_source)
            ],
            triggered_by="schedule_fallback",
            triggered_by_email=onboarding.owner_email,
        )
        key = re.sub(
            r"[^A-Za-z0-9._:-]",
            "_",
            f"schedule:{day}:{table.connection}:{table.database}.{table.schema_}.{table.table}",
        )
        qualified = f"{table.schema_}.{table.table}"
        if _exists(runtime, keyed_run_id(key)):
            already.append({"run_id": keyed_run_id(key), "table": qualified})
            continue
        try:
            accepted = start_archival(request, runtime, opener, idempotency_key=key)
        except (TableLockedError, IdempotencyConflictError, RequestError) as exc:
            problems.append(f"{qualified}: {exc}")
            continue
        started.append({"run_id": accepted.run_id, "table": qualified})
    return {"day": day.isoformat(), "started": started, "already_started": already, "problems": problems}


def _exists(runtime: Runtime, run_id: str) -> bool:
    try:
        runtime.runs.get(run_id)
    except RunNotFoundError:
        return False
    return True
