"""moto's AWS emulation in this process, with its task backends routed to our entry points.

moto executes state machines with its ASL interpreter but has no way to run local code for
Lambda, Glue or Batch tasks. In a server started in this process its Docker-free backends run here,
so narrow patches route them to Archive-IO's own handlers and mend two interpreter bugs. They depend on moto's
internals: moto is pinned exactly in pyproject.toml.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import traceback
from datetime import datetime
from typing import Any

from archive_io.local.runtimes import BatchMain, GlueMain, LambdaContext, LambdaHandler

logger = logging.getLogger(__name__)

MOTO_CONFIG = {
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
    "batch": {"use_docker": False},
}


class TaskRouter:
    """Which Python function runs each Lambda function, Glue job and Batch job definition."""

    def __init__(self) -> None:
        self.lambdas: dict[str, tuple[LambdaHandler, str]] = {}
        self.glue_jobs: dict[str, GlueMain] = {}
        self.batch_jobs: dict[str, BatchMain] = {}

    def invoke_lambda(self, function: str, event: Any) -> Any:
        name = function.rsplit(":function:", maxsplit=1)[-1].split(":", maxsplit=1)[0]
        if name not in self.lambdas:
            raise LookupError(f"no local handler for Lambda function {name}")
        handler, arn = self.lambdas[name]
        return handler(event, LambdaContext(function_name=name, invoked_function_arn=arn))

    def glue_job(self, name: str) -> GlueMain:
        if name not in self.glue_jobs:
            raise LookupError(f"no local script for Glue job {name}")
        return self.glue_jobs[name]

    def batch_job(self, definition: str) -> BatchMain:
        if definition not in self.batch_jobs:
            raise LookupError(f"no local entry point for Batch job definition {definition}")
        return self.batch_jobs[definition]


def _patch_lambda(router: TaskRouter) -> None:
    from moto.awslambda_simple.models import LambdaSimpleBackend

    def invoke(  # noqa: PLR0917 (moto's signature)
        self: Any, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: Any
    ) -> bytes:
        try:
            result = router.invoke_lambda(function_name, json.loads(body or "{}"))
            return json.dumps(result).encode()
        except Exception as exc:
            # Lambda's reply to an unhandled exception: Step Functions matches Catch/Retry on errorType.
            logger.exception("Lambda %s failed", function_name)
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(
                {
                    "errorType": type(exc).__name__,
                    "errorMessage": str(exc),
                    "stackTrace": traceback.format_exception(exc)[-5:],
                }
            ).encode()

    setattr(LambdaSimpleBackend, "invoke", invoke)  # noqa: B010 (patching moto's method)


def _patch_glue(router: TaskRouter) -> None:
    from moto.glue import models as glue
    from moto.moto_api import state_manager
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        resource,
        state_task_service_glue,
    )

    # moto 5.2.5 bug: `glue:startJobRun.sync` dereferences a callback endpoint the Glue service
    # never creates; declaring the callback pattern supported makes the interpreter create it.
    patterns: set[Any] = state_task_service_glue._SUPPORTED_INTEGRATION_PATTERNS
    patterns.add(resource.ResourceCondition.WaitForTaskToken)
    # Job runs change state only when our thread says so, not on moto's clock.
    state_manager.set_transition("glue::job_run", {"progression": "manual", "times": 2**62})

    original_start = glue.FakeJob.start_job_run
    original_as_dict = glue.FakeJobRun.as_dict

    def start_job_run(self: Any, *args: Any, **kwargs: Any) -> str:
        run_id: str = original_start(self, *args, **kwargs)
        job_run = self.get_job_run(run_id)
        main = router.glue_job(self.name)
        argv = [f"{self.name}.py", "--JOB_NAME", self.name, "--JOB_RUN_ID", run_id]
        for key, value in (job_run.arguments or {}).items():
            argv += [key, value]
        job_run.status = "RUNNING"

        def run() -> None:
            try:
                main(argv)
                job_run.status = "SUCCEEDED"
            except BaseException as exc:
                logger.exception("Glue job %s run %s failed", self.name, run_id)
                job_run.error_message = f"{type(exc).__name__}: {exc}"
                job_run.status = "FAILED"

        threading.Thread(target=run, name=f"glue-{self.name}-{run_id[:10]}", daemon=True).start()
        return run_id

    def as_dict(self: Any) -> dict[str, Any]:
        result: dict[str, Any] = original_as_dict(self)
        if message := getattr(self, "error_message", None):
            result["ErrorMessage"] = message
        return result

    setattr(glue.FakeJob, "start_job_run", start_job_run)  # noqa: B010 (patching moto's method)
    setattr(glue.FakeJobRun, "as_dict", as_dict)  # noqa: B010


def _patch_batch(router: TaskRouter) -> None:
    from moto.batch_simple.models import BatchSimpleBackend
    from moto.moto_api import state_manager

    # Jobs change state only when our thread says so (the container's exit), not on moto's clock.
    state_manager.set_transition("batch::job", {"progression": "manual", "times": 2**62})

    def mark_job_as_finished(self: Any, include_start_attempt: bool, job: Any) -> None:
        # moto's Docker-free Batch marks a job SUCCEEDED at once; run its container's entry point instead.
        self.backend._jobs[job.job_id] = job
        job.job_started_at = datetime.now()
        job.log_stream_name = job._stream_name
        if include_start_attempt:
            job._start_attempt()
        container = job.job_definition.container_properties or {}
        overrides = job.container_overrides or {}
        environ = {e["name"]: e["value"] for e in container.get("environment", []) + overrides.get("environment", [])}
        command = overrides.get("command") or container.get("command") or []
        main = router.batch_job(job.job_definition.name)
        job.status = "RUNNING"

        def run() -> None:
            try:
                main(list(command), environ)
                job._mark_stopped(success=True)
            except BaseException as exc:
                logger.exception("Batch job %s (%s) failed", job.job_name, job.job_id)
                job.job_stopped_reason = f"{type(exc).__name__}: {exc}"[:1000]
                job._mark_stopped(success=False)

        threading.Thread(target=run, name=f"batch-{job.job_name}", daemon=True).start()

    setattr(BatchSimpleBackend, "_mark_job_as_finished", mark_job_as_finished)  # noqa: B010 (patching moto's method)


def _patch_batch_integration() -> None:
    import botocore.session
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_batch

    # moto 5.2.5 bug: its Step Functions interpreter leaves the `batch:submitJob` parameters in
    # Step Functions' casing (JobName) and the responses in the API's (jobId), where AWS converts
    # both; the task fails on a KeyError. Convert them as AWS does.
    model = botocore.session.get_session().get_service_model("batch")

    def normalise_parameters(
        self: Any, parameters: dict[str, Any], boto_service_name: Any = None, service_action_name: Any = None
    ) -> None:
        action = service_action_name or self.resource.api_action
        self._to_boto_request(parameters, model.operation_model(action[0].upper() + action[1:]).input_shape)

    def pascal(value: Any) -> Any:
        if isinstance(value, dict):
            return {k[0].upper() + k[1:]: pascal(v) for k, v in value.items()}
        if isinstance(value, list):
            return [pascal(v) for v in value]
        return value

    def normalise_response(
        self: Any, response: Any, boto_service_name: Any = None, service_action_name: Any = None
    ) -> None:
        if isinstance(response, dict):
            converted = pascal(response)
            response.clear()
            response.update(converted)

    service = state_task_service_batch.StateTaskServiceBatch
    setattr(service, "_normalise_parameters", normalise_parameters)  # noqa: B010 (patching moto's method)
    setattr(service, "_normalise_response", normalise_response)  # noqa: B010


def _patch_s3_restore() -> None:
    from moto.s3.models import FakeKey

    # moto's thaw clock (a time-progressed state) starts when the object is created, so an object
    # older than the thaw time would be thawed at once. A thaw starts when it is asked for.
    original = FakeKey.restore

    def restore(self: Any, days: int) -> None:
        if self._expiry is None:  # not thawing nor thawed yet
            self._status = "IN_PROGRESS"
            self._time_progressed = datetime.now()
        original(self, days)

    setattr(FakeKey, "restore", restore)  # noqa: B010 (patching moto's method)


def set_thaw_seconds(seconds: int) -> None:
    """How long an S3 restore from Glacier takes in the emulation (moto's default: no time at all)."""
    from moto.moto_api import state_manager

    if seconds > 0:
        state_manager.set_transition("s3::keyrestore", {"progression": "time", "seconds": seconds})
    else:
        state_manager.unset_transition("s3::keyrestore")


def _patch_map_errors() -> None:
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import iteration_worker

    # moto 5.2.5 bug: a Map iteration that failed with a States.* error (States.TaskFailed from a
    # Glue task) is re-raised under a CustomErrorName, which refuses that prefix, so the Map's Catch
    # sees a ValueError instead of the task's error. AWS propagates the States.* name unchanged.
    def error_name(error_name: str) -> Any:
        if isinstance(error_name, str) and error_name.startswith("States."):
            return StatesErrorName.from_name(error_name)
        return CustomErrorName(error_name=error_name)

    setattr(iteration_worker, "CustomErrorName", error_name)  # noqa: B010 (patching moto's module)


_installed: list[TaskRouter] = []
_install_lock = threading.Lock()


def install(router: TaskRouter) -> None:
    """Patch moto and configure it to execute state machines: once per process (moto's backends are global)."""
    with _install_lock:
        if _installed:
            raise RuntimeError("one embedded platform per process")
        from moto.core.config import default_user_config

        for service, values in MOTO_CONFIG.items():
            default_user_config[service].update(values)  # type: ignore[literal-required]
        _patch_lambda(router)
        _patch_glue(router)
        _patch_batch(router)
        _patch_batch_integration()
        _patch_s3_restore()
        _patch_map_errors()
        # moto logs every failed task at ERROR with its whole state; our handlers log their own errors.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        logging.getLogger("moto").setLevel(logging.CRITICAL)
        _installed.append(router)


class MotoServer:
    """moto's threaded server on 127.0.0.1; the ASL interpreter calls back to it via MOTO_PORT."""

    def __init__(self, port: int = 0) -> None:
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self.port = 0

    def start(self) -> str:
        self._server.start()
        _, self.port = self._server.get_host_and_port()
        os.environ["MOTO_PORT"] = str(self.port)
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._server.stop()
