"""Create the environment's resources in the emulation, under the names Terraform gives them."""

from __future__ import annotations

import io
import zipfile
from typing import TYPE_CHECKING, Any

from archive_io import flows
from archive_io.files import bundler
from archive_io.files.index import create_index_table
from archive_io.local.emulator import TaskRouter
from archive_io.local.runtimes import GLUE_JOBS, LAMBDAS, SPARK_GLUE_JOBS, glue_main, lambda_handler
from archive_io.names import ResourceNames
from archive_io.paths import project_root
from archive_io.settings import Settings

if TYPE_CHECKING:
    from archive_io.aws.clients import AwsClients

ACCOUNT_ID = "123456789012"  # moto's default account
TABLE_CONCURRENCY = 4
BUNDLE_CONCURRENCY = 4
THAW_POLL_SECONDS = 1  # AWS: 900 (Terraform's default); a local thaw takes `thaw_seconds`

_TRUST = """{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
 "Principal": {"Service": ["lambda.amazonaws.com", "glue.amazonaws.com", "states.amazonaws.com",
 "batch.amazonaws.com", "ecs-tasks.amazonaws.com"]}}]}"""


def local_settings(names: ResourceNames, region: str, endpoint_url: str | None) -> Settings:
    """The settings of an emulated environment (moto's account), as Terraform would set them."""

    def flow_arn(flow: str) -> str:
        return f"arn:aws:states:{region}:{ACCOUNT_ID}:stateMachine:{names.state_machine(flow)}"

    return Settings(
        env=names.env,
        region=region,
        endpoint_url=endpoint_url,
        runs_table=names.runs_table,
        locks_table=names.locks_table,
        purges_table=names.purges_table,
        file_index_table=names.file_index_table,
        restores_table=names.restores_table,
        files_bucket=names.files_bucket,
        restored_bucket=names.restored_bucket,
        warehouse_bucket=names.warehouse_bucket,
        reports_bucket=names.reports_bucket,
        config_bucket=names.config_bucket,
        notifications_topic_arn=f"arn:aws:sns:{region}:{ACCOUNT_ID}:{names.notifications_topic}",
        archival_flow_arn=flow_arn("archival_flow"),
        purge_flow_arn=flow_arn("purge_flow"),
        file_archive_flow_arn=flow_arn("file_archive_flow"),
        restore_flow_arn=flow_arn("restore_flow"),
        connection_secret_prefix=names.connection_secret_prefix,
    )


def _zip_of(path: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.write(path, arcname=path.rsplit("/", 1)[-1])
    return buffer.getvalue()


def create_buckets(aws: AwsClients) -> None:
    """The buckets: Iceberg warehouse, file bundles, restored files, reports, config (onboarding files)."""
    settings = aws.settings
    location = (
        {} if settings.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": settings.region}}
    )
    archives = (settings.warehouse_bucket, settings.files_bucket)
    for bucket in (*archives, settings.restored_bucket, settings.reports_bucket, settings.config_bucket):
        # the archives have S3 Object Lock, as in AWS: a legal hold is enforced by S3 itself
        lock = {"ObjectLockEnabledForBucket": True} if bucket in archives else {}
        aws.s3.create_bucket(Bucket=bucket, **location, **lock)  # type: ignore[arg-type]


def create_tables(aws: AwsClients) -> None:
    """The DynamoDB tables: runs (one item per run), locks (one item per source table or prefix being
    archived), purges (one item per purge, legal hold change or refusal: the audit of what left the
    archive), restores (one item per restore) and the file index (one item per archived file)."""
    settings = aws.settings
    create_index_table(aws.dynamodb, settings.file_index_table)
    for table, key in (
        (settings.runs_table, "run_id"),
        (settings.locks_table, "lock_id"),
        (settings.purges_table, "purge_id"),
        (settings.restores_table, "restore_id"),
    ):
        aws.dynamodb.create_table(
            TableName=table,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
            KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        )


def provision(aws: AwsClients, names: ResourceNames, router: TaskRouter) -> None:
    """Buckets, tables, topic, functions, jobs and state machines of one environment."""
    settings = aws.settings
    create_buckets(aws)
    create_tables(aws)
    aws.sns.create_topic(Name=names.notifications_topic)

    role_arn = aws.iam.create_role(RoleName=f"{names.prefix}-tasks", AssumeRolePolicyDocument=_TRUST)["Role"]["Arn"]

    environment = settings.as_mapping()
    function_arns: dict[str, str] = {}
    for folder in LAMBDAS:
        handler_path = project_root() / "lambdas" / folder / "handler.py"
        created = aws.lambda_.create_function(
            FunctionName=names.function(folder),
            Runtime="python3.11",
            Role=role_arn,
            Handler="handler.lambda_handler",
            Code={"ZipFile": _zip_of(str(handler_path))},
            Environment={"Variables": environment},
            Timeout=900,
        )
        function_arns[folder] = created["FunctionArn"]
        router.lambdas[names.function(folder)] = (lambda_handler(folder), created["FunctionArn"])

    job_arguments = {f"--{key}": value for key, value in environment.items()}
    for script in (*GLUE_JOBS, *SPARK_GLUE_JOBS):
        # as Terraform creates them: Glue 5 (Python 3.11) jobs, the single-node ones on the driver alone
        aws.glue.create_job(
            Name=names.glue_job(script),
            Role=role_arn,
            GlueVersion="5.0",
            Command={"Name": "glueetl", "ScriptLocation": f"glue_jobs/{script}.py", "PythonVersion": "3"},
            DefaultArguments=job_arguments,
            ExecutionProperty={"MaxConcurrentRuns": 50},
        )
        router.glue_jobs[names.glue_job(script)] = glue_main(script)

    # Batch: Terraform runs the bundler image on Fargate; here its entry point runs in-process.
    container: Any = {
        "image": "archive-io-bundler:local",
        "environment": [{"name": k, "value": v} for k, v in environment.items()],
        "resourceRequirements": [{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "2048"}],
        "executionRoleArn": role_arn,
        "jobRoleArn": role_arn,
    }
    compute = aws.batch.create_compute_environment(
        computeEnvironmentName=f"{names.prefix}-fargate", type="UNMANAGED", state="ENABLED", serviceRole=role_arn
    )
    queue_arn = aws.batch.create_job_queue(
        jobQueueName=names.batch_queue,
        state="ENABLED",
        priority=1,
        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": compute["computeEnvironmentArn"]}],
    )["jobQueueArn"]
    bundler_arn = aws.batch.register_job_definition(
        jobDefinitionName=names.batch_job("bundler"),
        type="container",
        platformCapabilities=["FARGATE"],
        containerProperties=container,
    )["jobDefinitionArn"]
    router.batch_jobs[names.batch_job("bundler")] = bundler.main

    aws.stepfunctions.create_state_machine(
        name=names.state_machine("file_archive_flow"),
        roleArn=role_arn,
        definition=flows.render(
            "file_archive_flow",
            {
                "bundle_concurrency": BUNDLE_CONCURRENCY,
                "file_plan_function_arn": function_arns["file_plan"],
                "bundler_job_queue_arn": queue_arn,
                "bundler_job_definition_arn": bundler_arn,
                "report_function_arn": function_arns["report"],
                "runs_table_name": settings.runs_table,
                "notifications_topic_arn": settings.notifications_topic_arn,
            },
        ),
    )
    aws.stepfunctions.create_state_machine(
        name=names.state_machine("restore_flow"),
        roleArn=role_arn,
        definition=flows.render(
            "restore_flow",
            {"restore_function_arn": function_arns["restore_files"], "thaw_poll_seconds": THAW_POLL_SECONDS},
        ),
    )
    aws.stepfunctions.create_state_machine(
        name=names.state_machine("archival_flow"),
        roleArn=role_arn,
        definition=flows.render(
            "archival_flow",
            {
                "table_concurrency": TABLE_CONCURRENCY,
                "choose_engine_function_arn": function_arns["choose_engine"],
                "archive_table_job_name": names.glue_job("archive_table"),
                "validate_table_job_name": names.glue_job("validate_table"),
                "purge_table_job_name": names.glue_job("purge_table"),
                "archive_table_spark_job_name": names.glue_job("archive_table_spark"),
                "validate_table_spark_job_name": names.glue_job("validate_table_spark"),
                "purge_table_spark_job_name": names.glue_job("purge_table_spark"),
                "report_function_arn": function_arns["report"],
                "runs_table_name": settings.runs_table,
                "notifications_topic_arn": settings.notifications_topic_arn,
            },
        ),
    )
    aws.stepfunctions.create_state_machine(
        name=names.state_machine("purge_flow"),
        roleArn=role_arn,
        definition=flows.render(
            "purge_flow",
            {
                "table_concurrency": TABLE_CONCURRENCY,
                "purge_archive_job_name": names.glue_job("purge_archive"),
                "notifications_topic_arn": settings.notifications_topic_arn,
            },
        ),
    )
