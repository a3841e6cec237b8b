"""The SparkSession of the Spark engine: Iceberg's SQL extensions and the archive catalog.

In AWS (Glue 5: Spark 3.5, Iceberg 1.10) the catalog is the Glue Data Catalog over S3. Glue
starts the SparkContext itself, so its static settings (`spark.sql.extensions`, the JVM options)
must also be given as the job's `--conf` parameter; `glue_conf()` gives them. Locally (tests, the
embedded platform) the catalog is a Hadoop catalog over a warehouse directory, with the jars
`scripts/spark_jars.sh` puts in `.spark-jars/`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Literal

from pyspark.sql import SparkSession

from archive_io.names import ICEBERG_CATALOG

CATALOG = ICEBERG_CATALOG
CatalogKind = Literal["glue", "hadoop"]
LOCAL_MASTER = "local[2]"
# JDBC and java.sql.Timestamp read naive values in the JVM's zone: UTC, as the session's.
_UTC_JVM = "-Duser.timezone=UTC"


def catalog_conf(warehouse: str, catalog: CatalogKind) -> dict[str, str]:
    """Spark settings of the Iceberg catalog `archive` and its SQL extensions."""
    prefix = f"spark.sql.catalog.{CATALOG}"
    conf = {
        "spark.sql.extensions": "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
        prefix: "org.apache.iceberg.spark.SparkCatalog",
        f"{prefix}.warehouse": warehouse,
        # no cached table metadata: a retried task must see the snapshot its first attempt committed
        f"{prefix}.cache-enabled": "false",
        "spark.sql.session.timeZone": "UTC",
    }
    if catalog == "glue":
        conf |= {
            f"{prefix}.catalog-impl": "org.apache.iceberg.aws.glue.GlueCatalog",
            f"{prefix}.io-impl": "org.apache.iceberg.aws.s3.S3FileIO",
        }
    elif catalog == "hadoop":
        conf[f"{prefix}.type"] = "hadoop"
    else:
        raise ValueError(f"unknown catalog kind {catalog!r}: glue or hadoop")
    return conf


def glue_conf(warehouse: str) -> str:
    """The Glue job's `--conf` value: the settings Glue must have before its SparkContext starts."""
    conf = catalog_conf(warehouse, "glue") | {
        "spark.driver.extraJavaOptions": _UTC_JVM,
        "spark.executor.extraJavaOptions": _UTC_JVM,
    }
    # Glue takes one --conf parameter; further settings follow as ` --conf k=v` inside its value
    return " --conf ".join(f"{k}={v}" for k, v in conf.items())


def local_jars(jars_dir: Path) -> list[Path]:
    """The jars of `.spark-jars/`; FileNotFoundError naming the script when the runtime jar is missing."""
    jars = sorted(jars_dir.glob("*.jar"))
    if not any(j.name.startswith("iceberg-spark-runtime-3.5_2.12-") for j in jars):
        raise FileNotFoundError(f"no Iceberg Spark runtime jar in {jars_dir}: run scripts/spark_jars.sh")
    return jars


def _restart_stopped_jvm() -> None:
    """Let the next SparkContext start a JVM of its own when an earlier, stopped one left its JVM behind.

    PySpark keeps the JVM of a stopped SparkContext for the next one, and a JVM's class path and
    options are fixed when it starts: the Iceberg runtime jar would not be on the driver's class path
    (Spark then cannot load the catalog plugin), nor UTC its zone. A running SparkContext is reused.
    """
    from pyspark import SparkContext

    context: Any = SparkContext
    if context._active_spark_context is not None or context._gateway is None:
        return
    gateway = context._gateway
    gateway.shutdown()
    process = getattr(gateway, "proc", None)
    if process is not None and process.stdin is not None:
        process.stdin.close()  # the gateway server runs until its stdin closes
        process.wait(timeout=30)
    context._gateway = None
    context._jvm = None


def spark_session(
    app_name: str,
    *,
    warehouse: str,
    catalog: CatalogKind,
    jars_dir: Path | None,
    master: str | None = None,
    extra_conf: dict[str, str] | None = None,
) -> SparkSession:
    """A SparkSession with the Iceberg catalog `archive` (Glue, or Hadoop over `warehouse`).

    `jars_dir`: the jars to add (`.spark-jars/`: Iceberg runtime, relocated jackson, JDBC drivers);
    None where the platform provides them (Glue with `--datalake-formats iceberg`). `master`:
    `local[2]` by default for a Hadoop catalog, the cluster's own (None) for Glue.
    """
    builder = SparkSession.builder.appName(app_name)
    if master is None and catalog == "hadoop":
        master = LOCAL_MASTER
    if master is not None:
        builder = builder.master(master)
    conf = catalog_conf(warehouse, catalog)
    if master is not None and master.startswith("local"):
        # the driver binds to loopback (a container's hostname may not resolve), read by spark-submit
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        # Python UDFs (the checksum's float texts) must import archive_io: this interpreter's workers
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        conf |= {
            "spark.driver.extraJavaOptions": _UTC_JVM,
            "spark.executor.extraJavaOptions": _UTC_JVM,
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
            "spark.sql.shuffle.partitions": "4",
        }
    if master is not None and master.startswith("local"):
        _restart_stopped_jvm()
    if jars_dir is not None:
        jars = ",".join(str(j) for j in local_jars(jars_dir))
        # spark.jars ships them to executors; the driver class path lets DriverManager see the JDBC drivers
        conf |= {"spark.jars": jars, "spark.driver.extraClassPath": jars.replace(",", os.pathsep)}
    for key, value in (conf | (extra_conf or {})).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    if master is not None and master.startswith("local"):
        # a JVM started earlier in this process (another session) kept its own zone; local mode is
        # that one JVM, driver and executors alike
        jvm: Any = session.sparkContext._jvm
        jvm.java.util.TimeZone.setDefault(jvm.java.util.TimeZone.getTimeZone("UTC"))
    return session
