"""Glue job (single-node engine): archive one table of a run into Iceberg."""

import logging
import sys

from archive_io.glue import resolve_options
from archive_io.runtime import Runtime
from archive_io.settings import Settings
from archive_io.tables.archival import archive_table


def main(argv: list[str]) -> None:
    args = resolve_options(argv, ["run_id", "table_name"])
    archive_table(Runtime(Settings.from_mapping(args)), args["run_id"], args["table_name"])


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main(sys.argv)
