"""Legal holds on a project's file bundles: S3 Object Lock refuses to delete a held bundle.

The files bucket has Object Lock (as the warehouse has). A project's hold is kept in the config
bucket, so that bundles written while it lasts are held as they are written.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from archive_io.aws.runs import now
from archive_io.files.index import FileIndex, manifest_key
from archive_io.tables.errors import RequestError

if TYPE_CHECKING:
    from archive_io.runtime import Runtime


def hold_key(project: str) -> str:
    return f"legal-holds/files/{project}.json"


def project_held(runtime: Runtime, project: str) -> bool:
    s3 = runtime.aws.s3
    try:
        body = s3.get_object(Bucket=runtime.settings.config_bucket, Key=hold_key(project))["Body"]
    except s3.exceptions.NoSuchKey:
        return False
    return bool(json.loads(body.read())["hold"])


def hold_bundle(runtime: Runtime, bucket: str, bundle_key: str, hold: bool) -> int:
    """Set or clear the Object Lock legal hold of a bundle and its manifest; the objects changed."""
    for key in (bundle_key, manifest_key(bundle_key)):
        runtime.aws.s3.put_object_legal_hold(Bucket=bucket, Key=key, LegalHold={"Status": "ON" if hold else "OFF"})
    return 2


def set_project_hold(runtime: Runtime, project: str, hold: bool, reason: str) -> int:
    """Hold (or release) every bundle of the project, and the ones its later runs write; objects changed."""
    archived = FileIndex(runtime.aws.dynamodb, runtime.settings.file_index_table).under_prefix(project, "")
    if not archived:
        raise RequestError(f"project_name: no archived files in project {project!r}")
    runtime.aws.s3.put_object(
        Bucket=runtime.settings.config_bucket,
        Key=hold_key(project),
        Body=json.dumps({"hold": hold, "reason": reason, "at": now().isoformat()}).encode(),
        ContentType="application/json",
    )
    bundles = sorted({(f.bundle_bucket, f.bundle_key) for f in archived})
    return sum(hold_bundle(runtime, bucket, key, hold) for bucket, key in bundles)
