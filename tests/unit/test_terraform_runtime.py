"""What Terraform gives the runtimes is what the code reads: settings keys and the Spark catalog."""

from __future__ import annotations

import re
from pathlib import Path

import hcl2

from archive_io import settings
from archive_io.spark.session import glue_conf

TERRAFORM = Path(__file__).resolve().parents[2] / "terraform"
#: Keys only the embedded platform sets (AWS_REGION comes from Lambda itself, and is a Glue argument).
LOCAL_ONLY = {settings.ENDPOINT_URL, settings.SPARK_CATALOG, settings.SPARK_WAREHOUSE, settings.REGION}


def _unquoted(text: str) -> str:
    return text[1:-1] if text.startswith('"') and text.endswith('"') else text


def test_the_app_stack_sets_every_setting_the_runtimes_read() -> None:
    text = (TERRAFORM / "stacks" / "app" / "main.tf").read_text()
    set_by_terraform = set(re.findall(r"\b(ARCHIVE_IO_[A-Z_]+)\s*=", text))
    read_by_code = {key for name, key in vars(settings).items() if name.isupper() and isinstance(key, str)}
    read_by_code = {key for key in read_by_code if key.startswith("ARCHIVE_IO_")} - LOCAL_ONLY
    assert len(read_by_code) > 15
    assert set_by_terraform == read_by_code


def test_the_spark_jobs_catalog_is_the_one_the_spark_engine_expects() -> None:
    """The Glue jobs' --conf is archive_io.spark.session.glue_conf: the Iceberg catalog on Glue, UTC."""
    (locals_block,) = hcl2.load((TERRAFORM / "modules" / "glue" / "main.tf").open())["locals"]
    terraform = {_unquoted(k): _unquoted(v) for k, v in locals_block["spark_conf"].items()}
    expected = dict(item.split("=", 1) for item in glue_conf("s3://${var.warehouse_bucket}/").split(" --conf "))
    assert terraform == expected
