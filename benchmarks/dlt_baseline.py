"""dlt's archive of pgbench_accounts into Iceberg: the baseline of archive_throughput.py.

Runs under an interpreter that has dlt (not a project dependency):
  python -m venv /tmp/dlt
  /tmp/dlt/bin/pip install "dlt[sql_database,pyiceberg,filesystem]" "psycopg[binary]" connectorx
Argument: the sql_database backend (pyarrow or connectorx). Prints one JSON line.
"""

import json
import resource
import sys
import tempfile
import time

import dlt
from dlt.sources.sql_database import sql_table

backend, url = sys.argv[1], sys.argv[2]
warehouse = tempfile.mkdtemp()
started = time.perf_counter()
source = sql_table(credentials=url, table="pgbench_accounts", backend=backend, chunk_size=100_000)
pipeline = dlt.pipeline(
    pipeline_name=f"bench_{backend}",
    destination=dlt.destinations.filesystem(bucket_url=f"file://{warehouse}"),
    dataset_name="bench",
    pipelines_dir=f"{warehouse}/pipelines",
)
pipeline.run(source, table_format="iceberg", write_disposition="append")
seconds = time.perf_counter() - started
rows = pipeline.last_trace.last_normalize_info.row_counts.get("pgbench_accounts")
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"backend": backend, "rows": rows, "seconds": seconds, "peak_rss_mb": peak_mb}))
