"""The scheduled fallback for files: archive the onboarded days' prefixes whose archival was not triggered.

A day's prefix is due once it is `archive_after_days` old. It still needs archiving if it holds
a file the file index does not have (with that ETag); then a run is started for it, keyed by the
day and the prefix, so a second firing the same day finds that run instead of starting another.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from archive_io.aws.locks import TableLockedError
from archive_io.aws.runs import RunNotFoundError
from archive_io.contracts.files import FileArchivalRequest
from archive_io.contracts.onboarding import FILES_CONFIG_PREFIX, FileOnboarding
from archive_io.files.archival import start_file_archival
from archive_io.files.index import FileIndex
from archive_io.files.plan import list_files
from archive_io.tables.archival import IdempotencyConflictError, keyed_run_id
from archive_io.tables.errors import RequestError

if TYPE_CHECKING:
    from archive_io.runtime import Runtime


def load_file_onboardings(runtime: Runtime) -> tuple[list[FileOnboarding], list[str]]:
    """Every file onboarding in the config bucket, and a problem line for each unusable one."""
    s3, bucket = runtime.aws.s3, runtime.settings.config_bucket
    found, problems = [], []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=FILES_CONFIG_PREFIX):
        for item in page.get("Contents", []):
            if not item["Key"].endswith((".yaml", ".yml")):
                continue
            try:
                found.append(
                    FileOnboarding.from_yaml(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read().decode())
                )
            except (ValueError, ValidationError) as exc:
                problems.append(f"{item['Key']}: {exc}")
    return found, problems


def _unarchived(runtime: Runtime, onboarding: FileOnboarding, prefix: str) -> int:
    files = list_files(runtime.aws.s3, onboarding.bucket_name, prefix)
    if not files:
        return 0
    index = FileIndex(runtime.aws.dynamodb, runtime.settings.file_index_table)
    archived = index.archived_etags(onboarding.project_name, [f.key for f in files])
    return sum(archived.get(f.key) != f.etag for f in files)


def _started(runtime: Runtime, run_id: str) -> bool:
    try:
        runtime.runs.get_any(run_id)
    except RunNotFoundError:
        return False
    return True


def run_file_schedule(runtime: Runtime, fired: datetime) -> dict[str, Any]:
    """Start a file archival run for each due day's prefix that holds unarchived files, once per day."""
    today = fired.astimezone(UTC).date()
    onboardings, problems = load_file_onboardings(runtime)
    started, already = [], []
    for onboarding in onboardings:
        last_due = today - timedelta(days=onboarding.archive_after_days)
        for back in range(onboarding.lookback_days):
            day: date = last_due - timedelta(days=back)
            prefix = day.strftime(onboarding.prefix_pattern)
            where = f"s3://{onboarding.bucket_name}/{prefix}"
            key = re.sub(r"[^A-Za-z0-9._:-]", "_", f"schedule:{today}:files:{onboarding.project_name}:{prefix}")
            if _started(runtime, keyed_run_id(key)):
                already.append({"run_id": keyed_run_id(key), "prefix": where})
                continue
            try:
                count = _unarchived(runtime, onboarding, prefix)
                if not count:
                    continue
                request = FileArchivalRequest(
                    project_name=onboarding.project_name,
                    bucket_name=onboarding.bucket_name,
                    prefix=prefix,
                    file_count=count,
                    allow_count_mismatch=True,  # the count is the fallback's own; the files decide
                    archive_size=onboarding.archive_size,
                    max_files_per_archive=onboarding.max_files_per_archive,
                    region=runtime.settings.region,
                    storage_class=onboarding.storage_class,
                    output_prefix=onboarding.output_prefix,
                    delete_source=onboarding.delete_source,
                )
                accepted = start_file_archival(request, runtime, idempotency_key=key)
            except (TableLockedError, IdempotencyConflictError, RequestError) as exc:
                problems.append(f"{where}: {exc}")
                continue
            started.append({"run_id": accepted.run_id, "prefix": where})
    return {"started": started, "already_started": already, "problems": problems}
