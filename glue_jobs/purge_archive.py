"""Glue job (single-node): remove one archive table's rows past their retention, unless under legal hold."""

import logging
import sys

from archive_io.glue import resolve_options
from archive_io.runtime import Runtime
from archive_io.settings import Settings
from archive_io.tables.retention import purge_archive_task


def main(argv: list[str]) -> None:
    args = resolve_options(argv, ["purge_id", "iceberg_table", "dry_run"])
    runtime = Runtime(Settings.from_mapping(args))
    purge_archive_task(runtime, args["purge_id"], args["iceberg_table"], dry_run=args["dry_run"] == "true")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main(sys.argv)
