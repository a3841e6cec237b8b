"""Run reports in the reports bucket, handed out as presigned URLs."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

PRESIGNED_SECONDS = 3600


def report_key(run_id: str) -> str:
    return f"reports/{run_id}/archival-report-{run_id}.pdf"


def profile_key(run_id: str, table_name: str) -> str:
    return f"profiles/{run_id}/{table_name}.json"


class ReportStore:
    def __init__(self, s3: S3Client, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def put(self, run_id: str, pdf: bytes) -> str:
        key = report_key(run_id)
        self._s3.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=pdf,
            ContentType="application/pdf",
            ContentDisposition=f'inline; filename="archival-report-{run_id}.pdf"',
        )
        return key

    def put_profile(self, run_id: str, table_name: str, document: str) -> None:
        """The source's validation profile taken at extraction (too large for the run record)."""
        self._s3.put_object(
            Bucket=self._bucket,
            Key=profile_key(run_id, table_name),
            Body=document.encode(),
            ContentType="application/json",
        )

    def get_profile(self, run_id: str, table_name: str) -> str | None:
        try:
            body = self._s3.get_object(Bucket=self._bucket, Key=profile_key(run_id, table_name))["Body"]
        except self._s3.exceptions.NoSuchKey:
            return None
        return body.read().decode()

    def presigned_url(self, key: str, seconds: int = PRESIGNED_SECONDS) -> str:
        return self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=seconds
        )
