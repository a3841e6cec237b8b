"""terraform/ and deploy.sh, checked offline (no AWS provider can be downloaded here).

The first half runs every check of tests/terraform_checks.py on the repository; the second half
feeds each check a small bad example, so that none of them passes by checking nothing.
"""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from tests import provider_schema
from tests import terraform_checks as checks

CI = os.environ.get("CI") == "true"
STACKS = checks.TERRAFORM / "stacks"
ENV_DIR = checks.TERRAFORM / "env"


def _fail_on(problems: list[str], what: str) -> None:
    if problems:
        pytest.fail(f"{len(problems)} {what}:\n  " + "\n  ".join(problems), pytrace=False)


def _tool_missing(message: str) -> None:
    """A tool `make test` installs is missing: a failure under CI (the Makefile should have made it)."""
    if CI:
        pytest.fail(f"{message}; `make test` installs it first, so under CI=true this is a failure")
    pytest.skip(f"{message} (run `make test`, which installs it)")


@pytest.fixture(scope="module")
def folders() -> dict[Path, checks.Folder]:
    if not checks.TERRAFORM.is_dir():
        pytest.fail("terraform/ is missing")
    found, _ = checks.load_folders(checks.TERRAFORM)
    return found


@pytest.fixture(scope="module")
def app(folders: dict[Path, checks.Folder]) -> checks.Folder:
    folder = folders.get((STACKS / "app").resolve())
    if folder is None:
        pytest.fail("terraform/stacks/app has no .tf file")
    return folder


@pytest.fixture(scope="session")
def schema() -> provider_schema.ProviderSchema:
    return provider_schema.load()


# --- the repository ------------------------------------------------------------------------------


def test_the_layout_is_there() -> None:
    expected = ["stacks/data", "stacks/app", "bootstrap", "env", "modules"]
    missing = [name for name in expected if not (checks.TERRAFORM / name).is_dir()]
    assert not missing, f"terraform/ lacks {missing}"


def test_every_tf_file_parses() -> None:
    _, problems = checks.load_folders(checks.TERRAFORM)
    _fail_on(problems, "files do not parse")


def test_variables_are_typed_described_used_and_declared(folders: dict[Path, checks.Folder]) -> None:
    _fail_on([p for folder in folders.values() for p in checks.check_variables(folder)], "variable problems")


def test_every_local_used_is_defined(folders: dict[Path, checks.Folder]) -> None:
    _fail_on([p for folder in folders.values() for p in checks.check_locals(folder)], "undefined locals")


def test_module_sources_exist_and_calls_pass_what_the_modules_declare(folders: dict[Path, checks.Folder]) -> None:
    problems = [p for folder in folders.values() for p in checks.check_module_calls(folder, folders)]
    problems += checks.check_unused_modules(folders, checks.TERRAFORM / "modules")
    _fail_on(problems, "module problems")


def test_the_app_stack_reads_only_outputs_the_data_stack_has(folders: dict[Path, checks.Folder]) -> None:
    problems = [p for f in folders.values() for p in checks.check_remote_state_outputs(f, checks.TERRAFORM, folders)]
    data = folders.get((STACKS / "data").resolve())
    assert data is not None, "terraform/stacks/data has no .tf file"
    contract = {
        "kms_key_arn",
        "bucket_names",
        "bucket_arns",
        "table_names",
        "table_arns",
        "glue_catalog_database_names",
    }
    problems += [f"terraform/stacks/data: no output {name}" for name in sorted(contract - data.outputs())]
    _fail_on(problems, "remote state problems")


def test_every_file_terraform_names_exists(folders: dict[Path, checks.Folder]) -> None:
    _fail_on(checks.check_named_files(folders), "missing files")


def test_every_file_deploy_sh_names_exists() -> None:
    _fail_on(checks.check_script_files(checks.DEPLOY_SCRIPT), "missing files")


def test_every_terraform_target_deploy_sh_gives_is_a_resource_of_the_app_stack(
    app: checks.Folder, folders: dict[Path, checks.Folder]
) -> None:
    _fail_on(checks.check_script_targets(checks.DEPLOY_SCRIPT, app, folders), "unknown targets")


def test_the_functions_image_is_built_from_lambdas_dockerfile() -> None:
    assert (checks.ROOT / "lambdas" / "Dockerfile").is_file(), "lambdas/Dockerfile is missing (the functions' image)"


def test_state_machine_definitions_hold_only_plain_placeholders() -> None:
    _fail_on(checks.check_asl_templates(checks.ROOT / "stepfunctions"), "template problems")


def test_terraform_fills_every_placeholder_of_every_state_machine(app: checks.Folder) -> None:
    filled, problems = checks.terraform_flow_values(app)
    needed = checks.asl_placeholders(checks.ROOT / "stepfunctions")
    _fail_on(problems + checks.check_flow_values(filled, needed, "terraform/stacks/app"), "placeholder problems")


def test_the_local_platform_fills_every_placeholder_of_every_state_machine() -> None:
    needed = checks.asl_placeholders(checks.ROOT / "stepfunctions")
    problems = checks.check_flow_values(checks.local_flow_values(), needed, "archive_io.local.resources")
    _fail_on(problems, "placeholder problems")


def test_every_lambda_folder_is_a_terraform_function_and_back(app: checks.Folder) -> None:
    folders = {path.parent.name for path in (checks.ROOT / "lambdas").glob("*/handler.py")}
    _fail_on(checks.check_inventory(app, "functions", folders, "folder lambdas/"), "function problems")


def test_every_glue_script_is_a_terraform_job_and_back(app: checks.Folder) -> None:
    scripts = {path.stem for path in (checks.ROOT / "glue_jobs").glob("*.py") if path.stem != "__init__"}
    _fail_on(checks.check_inventory(app, "glue_jobs", scripts, "script glue_jobs/"), "Glue job problems")


def test_resource_arguments_exist_in_the_aws_provider(
    folders: dict[Path, checks.Folder], schema: provider_schema.ProviderSchema
) -> None:
    _fail_on([p for f in folders.values() for p in checks.check_provider_arguments(f, schema)], "argument problems")


def test_each_environment_sets_what_the_stacks_require(folders: dict[Path, checks.Folder]) -> None:
    stacks = [folders[path.resolve()] for path in (STACKS / "data", STACKS / "app") if path.resolve() in folders]
    assert {path.stem for path in ENV_DIR.glob("*.tfvars")} >= {"dev", "qa", "prod"}
    _fail_on(checks.check_environments(ENV_DIR, stacks, checks.DEPLOY_SCRIPT), "environment problems")


def test_checkov_skips_carry_their_reason(folders: dict[Path, checks.Folder]) -> None:
    _fail_on(checks.check_skip_comments(folders), "bad skip comments")


def test_checkov_finds_no_failed_check() -> None:
    if not checks.CHECKOV.exists():
        _tool_missing(f"no checkov at {checks.show(checks.CHECKOV)}")
    _fail_on(checks.run_checkov(checks.TERRAFORM), "failed checkov checks")


def test_terraform_files_are_formatted() -> None:
    terraform = shutil.which("terraform")
    if terraform is None:
        reason = "no terraform binary on PATH: `terraform fmt -check` is skipped"
        if CI:
            reason += " (Terraform is not installable here: its release downloads are out of reach)"
        pytest.skip(reason)
    _fail_on(checks.check_terraform_fmt(checks.TERRAFORM, terraform), "unformatted files")


def test_deploy_sh_is_valid_bash_and_shellcheck_clean() -> None:
    assert checks.DEPLOY_SCRIPT.exists(), "deploy.sh is missing"
    assert os.access(checks.DEPLOY_SCRIPT, os.X_OK), "deploy.sh is not executable"
    _fail_on(checks.check_bash_syntax(checks.DEPLOY_SCRIPT), "bash -n errors")
    binary = checks.shellcheck()
    if binary is None:
        _tool_missing("no shellcheck on PATH")
    assert binary is not None
    _fail_on(checks.check_shellcheck(checks.DEPLOY_SCRIPT, binary), "shellcheck findings")


# --- each check catches a bad example ------------------------------------------------------------


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def _load(root: Path) -> dict[Path, checks.Folder]:
    found, problems = checks.load_folders(root)
    assert not problems
    return found


def _one(found: dict[Path, checks.Folder], suffix: str) -> checks.Folder:
    """The folder whose path ends with `suffix` (any one for "")."""
    return next(folder for path, folder in found.items() if path.as_posix().endswith(suffix))


def _assert_caught(problems: list[str], *fragments: str) -> None:
    for fragment in fragments:
        assert any(fragment in problem for problem in problems), f"{fragment!r} not in {problems}"


def test_a_file_that_does_not_parse_is_caught(tmp_path: Path) -> None:
    _write(tmp_path, {"main.tf": 'resource "aws_s3_bucket" "this" {\n  bucket = \n'})
    _, problems = checks.load_folders(tmp_path)
    _assert_caught(problems, "main.tf: does not parse as HCL")


def test_an_undeclared_untyped_undescribed_or_unused_variable_is_caught(tmp_path: Path) -> None:
    found = _load(
        _write(
            tmp_path,
            {
                "variables.tf": """
                    variable "env" {
                      type        = string
                      description = "The environment."
                    }
                    variable "untyped" {
                      description = "No type."
                    }
                    variable "unused" {
                      type = string
                    }
                    """,
                "main.tf": """
                    # var.unused in a comment is no use of it
                    locals {
                      name = "archive-io-${var.env}-${var.untyped}-${var.nope}" # nor var.unused here
                    }
                    output "name" {
                      value = local.name
                    }
                    """,
            },
        )
    )
    problems = checks.check_variables(_one(found, ""))
    _assert_caught(
        problems,
        "main.tf:4: var.nope is not declared",
        "variables.tf:6: variable untyped has no type",
        "variable unused has no description",
        "variable unused is declared but never used",
        "main.tf:6: output name has no description",
    )
    assert not any("var.env" in p or "variable env" in p for p in problems)


def test_an_undefined_local_is_caught(tmp_path: Path) -> None:
    found = _load(_write(tmp_path, {"main.tf": 'locals {\n  a = "x"\n}\n\noutput "b" {\n  value = local.b\n}\n'}))
    assert checks.check_locals(_one(found, "")) == [f"{tmp_path}/main.tf:6: local.b is not defined"]


_MODULE = {
    "modules/glue/variables.tf": """
        variable "name" {
          type        = string
          description = "Prefix."
        }
        variable "workers" {
          type        = number
          description = "Workers."
          default     = 2
        }
        """,
    "modules/glue/outputs.tf": 'output "job_names" {\n  description = "x"\n  value = [var.name, var.workers]\n}\n',
    "modules/unused/main.tf": 'output "x" {\n  description = "x"\n  value = 1\n}\n',
}


def test_a_bad_module_call_is_caught(tmp_path: Path) -> None:
    stack = """
        module "glue" {
          source  = "../../modules/glue"
          workers = 3
          color   = "red"
        }
        module "missing" {
          source = "../../modules/nothing"
        }
        module "remote" {
          source = "terraform-aws-modules/lambda/aws"
        }
        output "jobs" {
          description = "x"
          value       = [module.glue.job_names, module.glue.job_arns, module.other.x]
        }
        """
    found = _load(_write(tmp_path, _MODULE | {"stacks/app/main.tf": stack}))
    problems = checks.check_module_calls(_one(found, "stacks/app"), found)
    _assert_caught(
        problems,
        "module glue passes color, which",
        "module glue does not pass name, which",
        'module missing: source "../../modules/nothing" is not a folder of .tf files',
        "module remote: source",
        "module.glue.job_arns: ",
        "module.other is not a module call",
    )
    assert not any("job_names" in p or "workers" in p for p in problems)
    assert checks.check_unused_modules(found, tmp_path / "modules") == [
        f"{tmp_path}/modules/unused: module is not called by any stack"
    ]


def test_an_output_the_data_stack_does_not_have_is_caught(tmp_path: Path) -> None:
    app = """
        data "terraform_remote_state" "data" {
          backend = "s3"
          config = {
            bucket = var.state_bucket
            key    = "${var.env}/data.tfstate"
          }
        }
        output "x" {
          description = "x"
          value = [data.terraform_remote_state.data.outputs.bucket_names, data.terraform_remote_state.data.outputs.nope]
        }
        """
    data = 'output "bucket_names" {\n  description = "x"\n  value = {}\n}\n'
    found = _load(_write(tmp_path, {"stacks/app/main.tf": app, "stacks/data/outputs.tf": data}))
    problems = checks.check_remote_state_outputs(_one(found, "stacks/app"), tmp_path, found)
    assert problems == [f"{tmp_path}/stacks/app/main.tf:11: {tmp_path}/stacks/data has no output nope"]


def test_a_missing_file_is_caught_with_path_module_and_path_root_resolved(tmp_path: Path) -> None:
    files = {
        "stepfunctions/archival_flow.asl.json": "{}",
        "terraform/modules/orchestration/main.tf": """
            resource "aws_sfn_state_machine" "this" {
              for_each   = var.flows
              name       = each.key
              role_arn   = "x"
              definition = templatefile("${path.root}/../../../stepfunctions/${each.key}.asl.json", each.value)
            }
            resource "aws_sfn_state_machine" "other" {
              name       = "x"
              role_arn   = "x"
              definition = templatefile("${path.module}/missing.asl.json", {})
            }
            """,
        "terraform/stacks/app/main.tf": """
            module "orchestration" {
              source       = "../../modules/orchestration"
              openapi_path = "${path.root}/../../../docs/none.json"
            }
            locals {
              policy = file("${path.module}/policies/none.json")
              zip    = filebase64sha256("${path.root}/../../../build/lambda/api.zip")
            }
            """,
    }
    found = _load(_write(tmp_path, files))
    problems = checks.check_named_files(found, generated=(tmp_path / "build",))
    _assert_caught(problems, "missing.asl.json", "policies/none.json", "docs/none.json")
    assert len(problems) == 3, problems  # the ASL files exist; build/ is made by deploy.sh
    (tmp_path / "stepfunctions" / "archival_flow.asl.json").unlink()
    _assert_caught(checks.check_named_files(found, generated=(tmp_path / "build",)), "stepfunctions/*.asl.json")


def test_a_file_deploy_sh_names_that_does_not_exist_is_caught(tmp_path: Path) -> None:
    _write(tmp_path, {"lambdas/api/handler.py": "", "glue_jobs/a.py": ""})
    script = _write(
        tmp_path,
        {
            "deploy.sh": """
                #!/usr/bin/env bash
                for folder in lambdas/*/; do echo "$folder"; done
                cp glue_jobs/*.py build/  # build/ is the script's own
                docker build -f batch_containers/${name}/Dockerfile .
                zip -j "build/api.zip" lambdas/api/handler.py lambdas/report/handler.py
                """
        },
    )
    problems = checks.check_script_files(script / "deploy.sh", repo=tmp_path)
    assert [p.split(": ", 1)[1] for p in problems] == ["lambdas/report/handler.py: no such file in the repository"]
    (tmp_path / "batch_containers").mkdir()
    assert len(checks.check_script_files(script / "deploy.sh", repo=tmp_path)) == 2


def test_a_target_that_names_no_resource_is_caught(tmp_path: Path) -> None:
    files = {
        "modules/functions/main.tf": 'resource "aws_ecr_repository" "this" {\n  name = "x"\n}\n',
        "stacks/app/main.tf": """
            module "functions" {
              source = "../../modules/functions"
            }
            resource "aws_kms_key" "app" {}
            """,
        "deploy.sh": """
            #!/usr/bin/env bash
            # -target=module.functions.aws_ecr_repository.gone in a comment is no target
            TARGETS=(
                -target=module.functions.aws_ecr_repository.this
                -target=aws_kms_key.app
                -target=module.functions.aws_ecr_repository.repo
                -target=module.batch.aws_ecr_repository.bundler
            )
            terraform plan -target aws_kms_key.other "${TARGETS[@]}"
            """,
    }
    found = _load(_write(tmp_path, files))
    problems = checks.check_script_targets(tmp_path / "deploy.sh", _one(found, "stacks/app"), found)
    assert [p.split(": ", 1)[1].split(": ")[0] for p in problems] == [
        "-target=module.functions.aws_ecr_repository.repo",
        "-target=module.batch.aws_ecr_repository.bundler",
        "-target=aws_kms_key.other",
    ]


def test_a_placeholder_that_is_an_expression_or_a_directive_is_caught(tmp_path: Path) -> None:
    _write(tmp_path, {"flow.asl.json": '{"A": "${runs_table_name}",\n "B": "${Foo.bar}", "C": "%{ if x }"}'})
    problems = checks.check_asl_templates(tmp_path)
    _assert_caught(problems, "flow.asl.json:2: ${Foo.bar} is not a plain placeholder", "%{ is a templatefile directive")
    assert len(problems) == 2


def test_a_missing_extra_or_unknown_placeholder_is_caught(tmp_path: Path) -> None:
    _write(tmp_path, {"a_flow.asl.json": '{"x": "${one}", "y": ${two}}', "b_flow.asl.json": '{"z": "${three}"}'})
    needed = checks.asl_placeholders(tmp_path)
    assert needed == {"a_flow": {"one", "two"}, "b_flow": {"three"}}
    assert checks.check_flow_values({"a_flow": {"one", "two"}, "b_flow": {"three"}}, needed, "x") == []
    problems = checks.check_flow_values({"a_flow": {"one", "extra"}, "c_flow": set()}, needed, "stacks/app")
    assert problems == [
        "stacks/app: a_flow: no value for placeholders ['two']",
        "stacks/app: a_flow: values for placeholders it does not have ['extra']",
        "stacks/app: does not render b_flow",
        "stacks/app: fills flow c_flow, which has no stepfunctions/c_flow.asl.json",
    ]


def test_the_state_machine_values_are_read_from_the_literal_local(tmp_path: Path) -> None:
    app = """
        locals {
          state_machines = {
            a_flow = {
              one = module.functions.arns["report"]
              two = var.table_concurrency
            }
            b_flow = local.computed
          }
        }
        """
    found = _load(_write(tmp_path, {"main.tf": app}))
    filled, problems = checks.terraform_flow_values(_one(found, ""))
    assert filled == {"a_flow": {"one", "two"}}
    _assert_caught(problems, "local.state_machines.b_flow is not a literal map")
    empty = _load(_write(tmp_path / "empty", {"main.tf": "locals {\n  x = 1\n}\n"}))
    _assert_caught(checks.terraform_flow_values(_one(empty, "empty"))[1], "no local state_machines")


def test_a_function_without_folder_or_folder_without_function_is_caught(tmp_path: Path) -> None:
    app = "locals {\n  functions = {\n    api    = { memory = 512 }\n    report = {}\n  }\n}\n"
    found = _load(_write(tmp_path, {"main.tf": app}))
    problems = checks.check_inventory(_one(found, ""), "functions", {"api", "file_plan"}, "folder lambdas/")
    assert [p.split(": ", 1)[1] for p in problems] == [
        "local.functions has no entry for folder lambdas/ file_plan",
        "local.functions.report has no folder lambdas/",
    ]
    _assert_caught(checks.check_inventory(_one(found, ""), "glue_jobs", set(), "script"), "no local glue_jobs")


def test_bad_resource_arguments_are_caught(tmp_path: Path, schema: provider_schema.ProviderSchema) -> None:
    main = """
        resource "aws_s3_bucket" "this" {
          bucket       = "x"
          bucket_color = "blue"
          versioning {
            enabled  = true
            disabled = false
          }
          lifecycle {
            prevent_destroy = true
          }
        }
        resource "aws_lambda_function" "this" {
          for_each      = toset(["a"])
          function_name = each.key
          handler       = "handler.lambda_handler"
          dynamic "vpc_settings" {
            for_each = []
            content {
              subnet_ids = []
            }
          }
          dynamic "vpc_config" {
            for_each = []
            content {
              subnet_ids         = []
              security_group_ids = []
              subnets            = []
            }
          }
        }
        resource "aws_s3_bucket_versioning" "this" {
          bucket = aws_s3_bucket.this.id
          versioning_configuration {
            status = "Enabled"
          }
        }
        resource "aws_s3_buckets" "typo" {}
        resource "terraform_data" "x" {
          input = 1
          output = 2
        }
        data "aws_iam_policy_document" "this" {
          statement {
            actions = ["s3:GetObject"]
            principal {
              type = "AWS"
            }
          }
        }
        """
    found = _load(_write(tmp_path, {"main.tf": main}))
    problems = checks.check_provider_arguments(_one(found, ""), schema)
    _assert_caught(
        problems,
        "main.tf:2: aws_s3_bucket.this: unknown argument bucket_color",
        "aws_s3_bucket.this.versioning: unknown argument disabled",
        "aws_lambda_function.this: dynamic vpc_settings: no such block",
        "aws_lambda_function.this.vpc_config: unknown argument subnets",
        "aws_lambda_function.this: required argument role is missing",
        "main.tf:38: aws_s3_buckets.typo: the AWS provider",
        "terraform_data.x: unknown argument output",
        "data.aws_iam_policy_document.this.statement: unknown argument principal",
    )
    assert not any("aws_s3_bucket_versioning" in p for p in problems), problems
    assert len(problems) == 8, problems


def test_a_skip_without_reason_is_caught(tmp_path: Path) -> None:
    main = """
        resource "aws_sqs_queue" "a" {
          #checkov:skip=CKV_AWS_27:the queue holds only run ids, no data worth a key
          name = "a"
        }
        resource "aws_sqs_queue" "b" {
          #checkov:skip=CKV_AWS_27
          # checkov:skip=CKV_AWS_27: ok
          #checkov:skip=sqs-encryption:because
          name = "b"
        }
        """
    found = _load(_write(tmp_path, {"main.tf": main}))
    problems = checks.check_skip_comments(found)
    assert [p.split(": ", 1)[1] for p in problems] == [
        "checkov skip of CKV_AWS_27 has no reason",
        "checkov skip of CKV_AWS_27 has no reason",
        "checkov skip of 'sqs-encryption': not a check id",
        "checkov skip of sqs-encryption has no reason",
    ]


def test_checkov_reports_a_failed_check(tmp_path: Path) -> None:
    if not checks.CHECKOV.exists():
        _tool_missing(f"no checkov at {checks.show(checks.CHECKOV)}")
    _write(
        tmp_path, {"main.tf": 'resource "aws_sqs_queue" "a" {\n  name = "a"\n  sqs_managed_sse_enabled = false\n}\n'}
    )
    problems = checks.run_checkov(tmp_path)
    _assert_caught(problems, "CKV_AWS_27 aws_sqs_queue.a (")


def test_terraform_fmt_reports_an_unformatted_file(tmp_path: Path) -> None:
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("no terraform binary on PATH")
    _write(tmp_path, {"ok/main.tf": "locals {\n  a = 1\n}\n", "bad/main.tf": "locals {\na=1\n  bb = 2\n}\n"})
    assert checks.check_terraform_fmt(tmp_path, terraform) == [f"{tmp_path}/bad/main.tf: not formatted (terraform fmt)"]


def test_bash_errors_and_shellcheck_findings_are_caught(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "bad.sh": "#!/usr/bin/env bash\nif true; then\n  echo x\n",
            "lint.sh": "#!/usr/bin/env bash\nrm -rf $1/build\n",
        },
    )
    _assert_caught(checks.check_bash_syntax(tmp_path / "bad.sh"), "syntax error")
    assert checks.check_bash_syntax(tmp_path / "lint.sh") == []
    binary = checks.shellcheck()
    if binary is None:
        _tool_missing("no shellcheck on PATH")
    assert binary is not None
    _assert_caught(checks.check_shellcheck(tmp_path / "lint.sh", binary), "lint.sh:2:", "SC2086")


def test_environments_that_miss_or_invent_variables_are_caught(tmp_path: Path) -> None:
    files = {
        "stacks/app/variables.tf": """
            variable "env" {
              type        = string
              description = "x"
            }
            variable "image_tag" {
              type        = string
              description = "given by the deploy script"
            }
            variable "region" {
              type        = string
              description = "x"
            }
            variable "workers" {
              type        = number
              description = "x"
              default     = 2
            }
            """,
        "env/dev.tfvars": 'env = "dev"\nregion = "eu-west-1"\ncolour = "red"\n',
        "env/dev.backend.hcl": 'bucket = "s"\nregion = "eu-west-1"\nuse_lockfile = true\nencrypt = true\n',
        "env/prod.tfvars": 'env = "prod"\n',
        "env/prod.backend.hcl": 'bucket = "s"\nuse_lockfile = true\nkey = "prod/app.tfstate"\n',
        "deploy.sh": 'terraform plan -var "image_tag=$tag"\n',
    }
    found = _load(_write(tmp_path, files))
    problems = checks.check_environments(tmp_path / "env", list(found.values()), tmp_path / "deploy.sh")
    assert [p.replace(f"{tmp_path}/", "") for p in problems] == [
        "env/dev.tfvars:3: colour is not a variable of any stack",
        "env/prod.tfvars: does not set region, which stacks/app requires",
        "env/prod.backend.hcl: no region",
        "env/prod.backend.hcl: encrypt is not true",
        "env/prod.backend.hcl: sets key, which deploy.sh gives per stack (<env>/<stack>.tfstate)",
    ]


CHECKS: list[Callable[..., object]] = [
    checks.check_variables,
    checks.check_locals,
    checks.check_module_calls,
    checks.check_unused_modules,
    checks.check_remote_state_outputs,
    checks.check_named_files,
    checks.check_script_files,
    checks.check_script_targets,
    checks.check_asl_templates,
    checks.check_flow_values,
    checks.terraform_flow_values,
    checks.check_inventory,
    checks.check_provider_arguments,
    checks.check_skip_comments,
    checks.run_checkov,
    checks.check_terraform_fmt,
    checks.check_bash_syntax,
    checks.check_shellcheck,
    checks.check_environments,
]


def test_every_check_has_a_bad_example_here() -> None:
    source = Path(__file__).read_text().split("# --- each check catches a bad example")[1].split("CHECKS:")[0]
    untested = [check.__name__ for check in CHECKS if f"checks.{check.__name__}(" not in source]
    assert not untested, f"checks with no bad example: {untested}"
