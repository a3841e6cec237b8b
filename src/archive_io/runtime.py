"""What a runtime needs, built once from its settings: clients, repositories, the catalog."""

from __future__ import annotations

from functools import cached_property

from pyiceberg.catalog import Catalog, load_catalog

from archive_io.aws.clients import AwsClients, catalog_properties
from archive_io.aws.connections import ConnectionRepository
from archive_io.aws.locks import TableLocks
from archive_io.aws.purges import PurgeLog
from archive_io.aws.reports import ReportStore
from archive_io.aws.restores import RestoreLog
from archive_io.aws.runs import RunRepository
from archive_io.settings import Settings


class Runtime:
    """The wiring of one runtime (a Lambda function, a Glue job, the CLI)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.aws = AwsClients(settings)

    @cached_property
    def runs(self) -> RunRepository:
        return RunRepository(self.aws.dynamodb, self.settings.runs_table)

    @cached_property
    def locks(self) -> TableLocks:
        return TableLocks(self.aws.dynamodb, self.settings.locks_table)

    @cached_property
    def purges(self) -> PurgeLog:
        return PurgeLog(self.aws.dynamodb, self.settings.purges_table)

    @cached_property
    def restores(self) -> RestoreLog:
        return RestoreLog(self.aws.dynamodb, self.settings.restores_table, self.aws.s3, self.settings.reports_bucket)

    @cached_property
    def connections(self) -> ConnectionRepository:
        return ConnectionRepository(self.aws.secretsmanager, self.settings.connection_secret_prefix)

    @cached_property
    def reports(self) -> ReportStore:
        return ReportStore(self.aws.s3, self.settings.reports_bucket)

    def catalog(self) -> Catalog:
        """A new catalog client: pyiceberg catalogs are cheap and not shared across threads."""
        return load_catalog(self.settings.catalog_name, **catalog_properties(self.settings))
