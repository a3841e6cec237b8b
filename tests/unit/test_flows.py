from __future__ import annotations

import json

import pytest

from archive_io import flows


def test_archival_flow_placeholders_are_the_ones_the_platform_fills() -> None:
    assert flows.placeholders("archival_flow") == {
        "table_concurrency",
        "choose_engine_function_arn",
        "archive_table_job_name",
        "validate_table_job_name",
        "purge_table_job_name",
        "archive_table_spark_job_name",
        "validate_table_spark_job_name",
        "purge_table_spark_job_name",
        "report_function_arn",
        "runs_table_name",
        "notifications_topic_arn",
    }


def test_render_refuses_a_missing_placeholder() -> None:
    with pytest.raises(KeyError, match="runs_table_name"):
        flows.render("archival_flow", dict.fromkeys(flows.placeholders("archival_flow") - {"runs_table_name"}, "x"))


def test_rendered_definition_is_json_with_every_placeholder_filled() -> None:
    values: dict[str, str | int] = {p: f"value-of-{p}" for p in flows.placeholders("archival_flow")}
    values["table_concurrency"] = 3
    text = flows.render("archival_flow", values)
    assert "${" not in text
    definition = json.loads(text)
    assert definition["States"]["ArchiveTables"]["MaxConcurrency"] == 3


def test_purge_flow_placeholders_are_the_ones_the_platform_fills() -> None:
    assert flows.placeholders("purge_flow") == {
        "table_concurrency",
        "purge_archive_job_name",
        "notifications_topic_arn",
    }
    text = flows.render("purge_flow", dict.fromkeys(flows.placeholders("purge_flow"), "x") | {"table_concurrency": 2})
    definition = json.loads(text)
    task = definition["States"]["PurgeTables"]["ItemProcessor"]["States"]["PurgeArchive"]
    assert task["Parameters"]["JobName"] == "x"
    assert task["TimeoutSeconds"] > 0


def test_the_purge_step_runs_only_when_asked() -> None:
    values: dict[str, str | int] = dict.fromkeys(flows.placeholders("archival_flow"), "x") | {"table_concurrency": 1}
    states = json.loads(flows.render("archival_flow", values))["States"]["ArchiveTables"]["ItemProcessor"]["States"]
    assert states["ValidateTable"]["Next"] == states["ValidateTableSpark"]["Next"] == "PurgeRequested"
    choice = states["PurgeRequested"]
    spark, single_node = choice["Choices"]
    assert spark["Next"] == "PurgeTableSpark"
    assert {"Variable": "$.purge", "BooleanEquals": True} in spark["And"]
    assert single_node == {"Variable": "$.purge", "BooleanEquals": True, "Next": "PurgeTable"}
    assert choice["Default"] == "TableDone"


def test_each_table_runs_on_the_engine_chosen_for_it() -> None:
    values: dict[str, str | int] = {p: p for p in flows.placeholders("archival_flow")} | {"table_concurrency": 1}
    iterator = json.loads(flows.render("archival_flow", values))["States"]["ArchiveTables"]["ItemProcessor"]
    states = iterator["States"]
    assert iterator["StartAt"] == "ChooseEngine"
    assert states["ChooseEngine"]["Parameters"]["FunctionName"] == "choose_engine_function_arn"
    for step, spark_job, job in (
        ("ArchiveEngine", "archive_table_spark_job_name", "archive_table_job_name"),
        ("ValidateEngine", "validate_table_spark_job_name", "validate_table_job_name"),
    ):
        (spark,) = states[step]["Choices"]
        assert spark["Variable"] == "$.engine.engine"
        assert spark["StringEquals"] == "spark"
        assert states[spark["Next"]]["Parameters"]["JobName"] == spark_job
        assert states[states[step]["Default"]]["Parameters"]["JobName"] == job


def test_file_archive_flow_writes_each_bundle_in_a_batch_job_and_a_failed_one_does_not_stop_the_others() -> None:
    assert flows.placeholders("file_archive_flow") == {
        "bundle_concurrency",
        "file_plan_function_arn",
        "bundler_job_queue_arn",
        "bundler_job_definition_arn",
        "report_function_arn",
        "runs_table_name",
        "notifications_topic_arn",
    }
    values: dict[str, str | int] = dict.fromkeys(flows.placeholders("file_archive_flow"), "x") | {
        "bundle_concurrency": 5
    }
    states = json.loads(flows.render("file_archive_flow", values))["States"]
    assert states["WriteBundles"]["MaxConcurrency"] == 5
    bundle = states["WriteBundles"]["ItemProcessor"]["States"]
    assert bundle["WriteBundle"]["Resource"] == "arn:aws:states:::batch:submitJob.sync"
    assert bundle["WriteBundle"]["Catch"][0]["Next"] == "BundleFailed"
    assert states["WriteBundles"]["Next"] == "BuildReport"


def test_restore_flow_polls_until_thawed_before_extracting() -> None:
    assert flows.placeholders("restore_flow") == {"restore_function_arn", "thaw_poll_seconds"}
    values: dict[str, str | int] = {"restore_function_arn": "x", "thaw_poll_seconds": 900}
    states = json.loads(flows.render("restore_flow", values))["States"]
    assert states["WaitForThaw"]["Seconds"] == 900
    assert states["WaitForThaw"]["Next"] == "CheckThawed"
    assert states["CheckThawed"]["Next"] == "Thawed"
    assert states["Thawed"]["Choices"][0]["Next"] == "ExtractFiles"
    assert states["Thawed"]["Default"] == "WaitForThaw"
