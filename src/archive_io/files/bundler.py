"""The bundler Batch job: `python -m archive_io.files.bundler --run_id RUN --bundle N`.

Its settings come from the job definition's environment (ARCHIVE_IO_*), as a Lambda's do.
The embedded platform runs `main` for each job the flow submits, with that environment.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping, Sequence

from archive_io.files.archival import bundle_task
from archive_io.runtime import Runtime
from archive_io.settings import Settings


def main(argv: Sequence[str], environ: Mapping[str, str]) -> None:
    parser = argparse.ArgumentParser(prog="archive_io.files.bundler", description=__doc__)
    parser.add_argument("--run_id", required=True)
    parser.add_argument("--bundle", required=True, type=int, help="the bundle's number in the run's plan")
    args = parser.parse_args(argv)
    bundle_task(Runtime(Settings.from_mapping(environ)), args.run_id, args.bundle)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    main(sys.argv[1:], os.environ)
