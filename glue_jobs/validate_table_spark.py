"""Glue job (Spark, Glue 5): validate one table of a run with the Spark engine (see archive_io.spark.jobs)."""

import logging
import sys


def main(argv: list[str]) -> None:
    # imported here: the embedded platform loads every job script, and pyspark is optional there
    from archive_io.spark.jobs import run_job, validate_run_table

    run_job(validate_run_table, argv, "archive-io-validate-table")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main(sys.argv)
