"""Glue job (Spark, Glue 5): purge a run's archived rows of one table from its source; Spark reads the archive."""

import logging
import sys


def main(argv: list[str]) -> None:
    # imported here: the embedded platform loads every job script, and pyspark is optional there
    from archive_io.spark.jobs import purge_run_table, run_job

    run_job(purge_run_table, argv, "archive-io-purge-table")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main(sys.argv)
