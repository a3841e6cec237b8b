"""One name for one thing: the AWS resource names of an environment.

Terraform (terraform/) and the embedded platform (archive_io.local) derive every resource
name from these functions' patterns, so `lambdas/report/` is function `archive-io-<env>-report`
everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

PROJECT = "archive-io"
ICEBERG_CATALOG = "archive"


@dataclass(frozen=True)
class ResourceNames:
    """Names of the AWS resources of one environment (dev, qa, prod, local)."""

    env: str

    @property
    def prefix(self) -> str:
        return f"{PROJECT}-{self.env}"

    def function(self, folder: str) -> str:
        """Lambda function name of the handler in `lambdas/<folder>/`."""
        return f"{self.prefix}-{folder.replace('_', '-')}"

    def glue_job(self, script: str) -> str:
        """Glue job name of the script `glue_jobs/<script>.py`."""
        return f"{self.prefix}-{script.replace('_', '-')}"

    def state_machine(self, flow: str) -> str:
        """State machine name of `stepfunctions/<flow>.asl.json`."""
        return f"{self.prefix}-{flow.replace('_', '-')}"

    def batch_job(self, container: str) -> str:
        """Batch job definition of the image built from `batch_containers/<container>/`."""
        return f"{self.prefix}-{container.replace('_', '-')}"

    @property
    def batch_queue(self) -> str:
        return f"{self.prefix}-jobs"

    @property
    def runs_table(self) -> str:
        return f"{self.prefix}-runs"

    @property
    def locks_table(self) -> str:
        return f"{self.prefix}-locks"

    @property
    def purges_table(self) -> str:
        return f"{self.prefix}-purges"

    @property
    def file_index_table(self) -> str:
        return f"{self.prefix}-file-index"

    @property
    def restores_table(self) -> str:
        return f"{self.prefix}-restores"

    @property
    def files_bucket(self) -> str:
        """Bundles of archived files (zips in Glacier) and their manifests."""
        return f"{self.prefix}-files"

    @property
    def restored_bucket(self) -> str:
        """Files extracted by restores, under their original keys."""
        return f"{self.prefix}-restored"

    @property
    def warehouse_bucket(self) -> str:
        return f"{self.prefix}-warehouse"

    @property
    def config_bucket(self) -> str:
        return f"{self.prefix}-config"

    @property
    def reports_bucket(self) -> str:
        return f"{self.prefix}-reports"

    @property
    def notifications_topic(self) -> str:
        return f"{self.prefix}-notifications"

    @property
    def connection_secret_prefix(self) -> str:
        return f"{PROJECT}/{self.env}/connections/"
