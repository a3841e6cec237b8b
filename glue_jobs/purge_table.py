"""Glue job (single-node engine): delete one table's archived rows from its source, once validated."""

import logging
import sys

from archive_io.glue import resolve_options
from archive_io.runtime import Runtime
from archive_io.settings import Settings
from archive_io.tables.purge import purge_table


def main(argv: list[str]) -> None:
    args = resolve_options(argv, ["run_id", "table_name"])
    purge_table(Runtime(Settings.from_mapping(args)), args["run_id"], args["table_name"])


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main(sys.argv)
