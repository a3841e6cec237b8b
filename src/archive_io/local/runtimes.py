"""The entry points AWS runs, loaded from the checkout: `lambdas/<name>/handler.py`, `glue_jobs/<name>.py`.

The embedded platform calls exactly these functions, so what runs locally is what runs in AWS.
"""

from __future__ import annotations

import importlib.util
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from archive_io.paths import project_root

LambdaHandler = Callable[[dict[str, Any], Any], Any]
GlueMain = Callable[[list[str]], None]
BatchMain = Callable[[list[str], dict[str, str]], None]  # (the container's command, its environment)

#: Lambda folders under lambdas/ and Glue scripts under glue_jobs/ the platform runs.
LAMBDAS = ("api", "report", "schedule_fallback", "file_plan", "restore_files", "choose_engine")
GLUE_JOBS = ("archive_table", "validate_table", "purge_table", "purge_archive")  # single-node engine
SPARK_GLUE_JOBS = ("archive_table_spark", "validate_table_spark", "purge_table_spark")


def _load(path: Path, module_name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def lambda_handler(folder: str) -> LambdaHandler:
    module = _load(project_root() / "lambdas" / folder / "handler.py", f"archive_io_lambda_{folder}")
    handler: LambdaHandler = module.lambda_handler
    return handler


def glue_main(script: str) -> GlueMain:
    module = _load(project_root() / "glue_jobs" / f"{script}.py", f"archive_io_glue_{script}")
    main: GlueMain = module.main
    return main


@dataclass
class LambdaContext:
    """The parts of Lambda's context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int = 1024
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = ""
    log_group_name: str = ""
    log_stream_name: str = ""

    def get_remaining_time_in_millis(self) -> int:
        return 900_000
