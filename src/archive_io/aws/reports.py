"""Run reports in the reports bucket, handed out as presigned URLs."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

PRESIGNED_SECONDS = 3600


def report_key(run_id: str) -> str:
    return f"reports/{run_id}/archival-report-{run_id}.pdf"


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

    def presigned_url(self, key: str, seconds: int = PRESIGNED_SECONDS) -> str:
        return self._s3.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=seconds
        )
