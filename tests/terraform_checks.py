"""Offline checks of terraform/ and deploy.sh: what `terraform validate` would catch, and more.

`terraform validate` needs the AWS provider, which cannot be downloaded here, so these checks
read the .tf files themselves (python-hcl2). Each returns a list of problems, `path:line: what`,
empty when all is well: a test shows them all at once, and a unit test can feed any check a small
bad example. tests/unit/test_terraform.py runs them on the repository.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2

from tests.provider_schema import ProviderSchema

ROOT = Path(__file__).resolve().parents[1]
TERRAFORM = ROOT / "terraform"
DEPLOY_SCRIPT = ROOT / "deploy.sh"
CHECKOV = ROOT / ".checkov-venv" / "bin" / "checkov"


def _internal(key: str) -> bool:
    """Keys python-hcl2 adds to what it parses (`__is_block__`, `__comments__`...): not HCL."""
    return key.startswith("__") and key.endswith("__")


_RESOURCE_META = {"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection"}
_DATA_META = {"count", "for_each", "depends_on", "provider", "lifecycle"}
_MODULE_META = {"source", "version", "count", "for_each", "depends_on", "providers"}
#: Types built into Terraform itself, with their arguments.
_BUILTIN = {
    ("resource", "terraform_data"): {"input", "triggers_replace"},
    ("data", "terraform_remote_state"): {"backend", "config", "defaults", "workspace"},
}
#: Functions whose first argument is a file (fileexists is a question, not a use).
_FILE_FUNCTIONS = (
    "file|templatefile|filebase64|filemd5|filesha1|filesha256|filesha512|filebase64sha256|filebase64sha512"
)
_FILE_CALL = re.compile(rf"\b(?:{_FILE_FUNCTIONS})\(\s*\"((?:[^\"\\$]|\\.|\$\{{[^}}]*\}})*)\"")
#: Resource and data arguments that name a local file or folder.
_FILE_ARGUMENTS = {
    "aws_s3_object": ("source",),
    "aws_lambda_function": ("filename",),
    "aws_lambda_layer_version": ("filename",),
    "archive_file": ("source_file", "source_dir"),
}
_VAR = re.compile(r"(?<![\w.])var\.([A-Za-z_][\w-]*)")
_LOCAL = re.compile(r"(?<![\w.])local\.([A-Za-z_][\w-]*)")
_MODULE_OUTPUT = re.compile(r"(?<![\w.])module\.([A-Za-z_][\w-]*)\.([A-Za-z_][\w-]*)")
_REMOTE_OUTPUT = re.compile(r"(?<![\w.])data\.terraform_remote_state\.([A-Za-z_][\w-]*)\.outputs\.([A-Za-z_][\w-]*)")
#: The placeholders archive_io.flows fills; any other `${...}` would be a Terraform expression.
_PLACEHOLDER = re.compile(r"\$\{([a-z_][a-z0-9_]*)\}")
_STATE_MACHINES = r"\bstate_machines\s*="
_SKIP_COMMENT = re.compile(r"checkov:skip=([^:\s]*)(?::(.*))?")


def show(path: Path) -> str:
    """A path as the problems name it: relative to the repository when inside it."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


# --- parsing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TfFile:
    path: Path
    text: str
    doc: dict[str, Any]

    def line(self, pattern: str) -> int:
        """The first line (not a comment line) matching `pattern` (a regex), 1 when none does."""
        for number, line in enumerate(self.text.splitlines(), 1):
            if not line.lstrip().startswith(("#", "//")) and re.search(pattern, line):
                return number
        return 1

    def where(self, pattern: str) -> str:
        return f"{show(self.path)}:{self.line(pattern)}"


@dataclass
class Folder:
    """One Terraform module (a stack, bootstrap or a child module): the .tf files of a directory."""

    path: Path
    files: list[TfFile] = field(default_factory=list)

    def blocks(self, kind: str) -> Iterator[tuple[TfFile, str, dict[str, Any]]]:
        """The blocks `kind "label" {...}` (variable, output, module)."""
        for tf in self.files:
            for entry in tf.doc.get(kind, []):
                for label, body in entry.items():
                    if not _internal(label):
                        yield tf, label, body

    def typed_blocks(self, kind: str) -> Iterator[tuple[TfFile, str, str, dict[str, Any]]]:
        """The blocks `kind "type" "name" {...}` (resource, data)."""
        for tf, type_, named in self.blocks(kind):
            for name, body in named.items():
                if not _internal(name):
                    yield tf, type_, name, body

    def locals(self) -> Iterator[tuple[TfFile, str, Any]]:
        for tf in self.files:
            for entry in tf.doc.get("locals", []):
                for name, value in entry.items():
                    if not _internal(name):
                        yield tf, name, value

    def variables(self) -> dict[str, dict[str, Any]]:
        return {name: body for _, name, body in self.blocks("variable")}

    def outputs(self) -> set[str]:
        return {name for _, name, _ in self.blocks("output")}


def parse_file(path: Path) -> TfFile:
    text = path.read_text()
    options = hcl2.SerializationOptions(strip_string_quotes=True)
    return TfFile(path, text, hcl2.loads(text, serialization_options=options))


def load_folders(root: Path) -> tuple[dict[Path, Folder], list[str]]:
    """Every folder of .tf files under `root` (parsed), and the files that do not parse."""
    folders: dict[Path, Folder] = {}
    problems = []
    for path in sorted(root.rglob("*.tf")):
        if ".terraform" in path.parts:
            continue
        folder = folders.setdefault(path.parent.resolve(), Folder(path.parent.resolve()))
        try:
            folder.files.append(parse_file(path))
        except Exception as exc:  # python-hcl2 raises lark's errors, and a few of its own
            message = " ".join(str(exc).split())[:300]
            problems.append(f"{show(path)}: does not parse as HCL: {type(exc).__name__}: {message}")
    return folders, problems


def strings(value: Any) -> Iterator[str]:
    """Every string (expressions included) in a parsed value, map keys too; comments left out."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if _internal(key):
                continue
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def _document_strings(tf: TfFile, leave_out: tuple[str, ...] = ()) -> Iterator[str]:
    for kind, entries in tf.doc.items():
        if kind not in leave_out and not _internal(kind):
            yield from strings(entries)


# --- variables, outputs, locals, module calls ------------------------------------------------------


def check_variables(folder: Folder) -> list[str]:
    """Every variable typed and described, used, and every `var.x` used declared; outputs described."""
    problems = []
    declared = {}
    for tf, name, body in folder.blocks("variable"):
        where = tf.where(rf'variable\s+"{re.escape(name)}"')
        declared[name] = where
        if "type" not in body:
            problems.append(f"{where}: variable {name} has no type")
        if not str(body.get("description", "")).strip():
            problems.append(f"{where}: variable {name} has no description")
    used: dict[str, str] = {}  # name -> where first used
    for tf in folder.files:
        # a variable's own validation block does not use it
        for text in _document_strings(tf, leave_out=("variable",)):
            for name in _VAR.findall(text):
                used.setdefault(name, tf.where(rf"\bvar\.{re.escape(name)}\b"))
    referenced = dict(used)
    for tf, _, body in folder.blocks("variable"):
        for text in strings(body):
            for name in _VAR.findall(text):
                referenced.setdefault(name, tf.where(rf"\bvar\.{re.escape(name)}\b"))
    for name, where in sorted(referenced.items()):
        if name not in declared:
            problems.append(f"{where}: var.{name} is not declared in {show(folder.path)}")
    for name, where in sorted(declared.items()):
        if name not in used:
            problems.append(f"{where}: variable {name} is declared but never used")
    for tf, name, body in folder.blocks("output"):
        if not str(body.get("description", "")).strip():
            where = tf.where(rf'output\s+"{re.escape(name)}"')
            problems.append(f"{where}: output {name} has no description")
    return problems


def check_locals(folder: Folder) -> list[str]:
    """Every `local.x` used is defined in the same folder."""
    defined = {name for _, name, _ in folder.locals()}
    problems = []
    for tf in folder.files:
        for name in sorted({n for text in _document_strings(tf) for n in _LOCAL.findall(text)}):
            if name not in defined:
                where = tf.where(rf"\blocal\.{re.escape(name)}\b")
                problems.append(f"{where}: local.{name} is not defined")
    return problems


def _module_target(folder: Folder, source: str) -> Path | None:
    return (folder.path / source).resolve() if source.startswith(("./", "../")) else None


def check_module_calls(folder: Folder, folders: dict[Path, Folder]) -> list[str]:
    """Every module source is a folder of .tf files here; each call passes only the variables the module
    declares and all it requires; every `module.x.y` is a call of this folder and an output of it."""
    problems = []
    calls: dict[str, Folder | None] = {}
    for tf, name, body in folder.blocks("module"):
        where = tf.where(rf'module\s+"{re.escape(name)}"')
        source = str(body.get("source", ""))
        target = _module_target(folder, source)
        if target is None:
            problems.append(f'{where}: module {name}: source "{source}" is not a local path (./ or ../)')
            calls[name] = None
            continue
        module = folders.get(target)
        calls[name] = module
        if module is None:
            problems.append(f'{where}: module {name}: source "{source}" is not a folder of .tf files')
            continue
        variables = module.variables()
        passed = {key for key in body if not _internal(key) and key not in _MODULE_META}
        for key in sorted(passed - variables.keys()):
            problems.append(f"{where}: module {name} passes {key}, which {show(module.path)} does not declare")
        required = {key for key, spec in variables.items() if "default" not in spec}
        for key in sorted(required - passed):
            problems.append(f"{where}: module {name} does not pass {key}, which {show(module.path)} requires")
    for tf in folder.files:
        references = {m for text in _document_strings(tf) for m in _MODULE_OUTPUT.findall(text)}
        for name, output in sorted(references):
            where = tf.where(rf"\bmodule\.{re.escape(name)}\.{re.escape(output)}\b")
            if name not in calls:
                problems.append(f"{where}: module.{name} is not a module call of {show(folder.path)}")
            elif (called := calls[name]) is not None and output not in called.outputs():
                problems.append(f"{where}: module.{name}.{output}: {show(called.path)} has no output {output}")
    return problems


def module_calls(folders: dict[Path, Folder]) -> dict[Path, set[Path]]:
    """For each folder, the folders it calls as modules."""
    calls: dict[Path, set[Path]] = {path: set() for path in folders}
    for path, folder in folders.items():
        for _, _, body in folder.blocks("module"):
            target = _module_target(folder, str(body.get("source", "")))
            if target is not None and target in folders:
                calls[path].add(target)
    return calls


def root_modules(folders: dict[Path, Folder]) -> dict[Path, set[Path]]:
    """For each folder, the root modules (folders nobody calls: stacks, bootstrap) it runs under."""
    calls = module_calls(folders)
    called = set().union(*calls.values()) if calls else set()
    roots: dict[Path, set[Path]] = {path: set() for path in folders}
    for root in (path for path in folders if path not in called):
        pending, seen = [root], set()
        while pending:
            path = pending.pop()
            if path in seen:
                continue
            seen.add(path)
            roots[path].add(root)
            pending.extend(calls[path])
    return roots


def check_unused_modules(folders: dict[Path, Folder], modules_dir: Path) -> list[str]:
    called = set().union(*module_calls(folders).values()) if folders else set()
    return [
        f"{show(path)}: module is not called by any stack"
        for path in sorted(folders)
        if path.is_relative_to(modules_dir.resolve()) and path not in called
    ]


def check_remote_state_outputs(folder: Folder, terraform_dir: Path, folders: dict[Path, Folder]) -> list[str]:
    """Every `data.terraform_remote_state.x.outputs.y` is an output of the stack whose state x reads
    (the stack named by its key, `<env>/<stack>.tfstate`)."""
    stacks: dict[str, Folder | None] = {}
    problems = []
    for tf, type_, name, body in folder.typed_blocks("data"):
        if type_ != "terraform_remote_state":
            continue
        where = tf.where(rf'"terraform_remote_state"\s+"{re.escape(name)}"')
        config = body.get("config", {})
        key = str(config.get("key", "")) if isinstance(config, dict) else ""
        match = re.search(r"(\w+)\.tfstate", key)
        if match is None:
            problems.append(f"{where}: remote state {name}: no literal key <stack>.tfstate")
            stacks[name] = None
            continue
        stacks[name] = folders.get((terraform_dir / "stacks" / match[1]).resolve())
        if stacks[name] is None:
            problems.append(f"{where}: remote state {name}: no stack {match[1]}")
    for tf in folder.files:
        for name, output in sorted({m for text in _document_strings(tf) for m in _REMOTE_OUTPUT.findall(text)}):
            where = tf.where(rf"terraform_remote_state\.{re.escape(name)}\.outputs\.{re.escape(output)}\b")
            if name not in stacks:
                problems.append(f"{where}: no data.terraform_remote_state.{name} in {show(folder.path)}")
            elif (stack := stacks[name]) is not None and output not in stack.outputs():
                problems.append(f"{where}: {show(stack.path)} has no output {output}")
    return problems


# --- files named -------------------------------------------------------------------------------------


def _resolve(pattern: str, folder: Path, root: Path) -> tuple[str | None, str | None]:
    """A path as Terraform resolves it, as a glob (other interpolations match anything), or None when
    it is wholly an expression (a variable: nothing to check offline); and what is wrong with it."""
    if "${path.cwd}" in pattern:
        return None, "uses path.cwd (where terraform runs); use path.module"
    text = pattern.replace("${path.module}", str(folder)).replace("${path.root}", str(root))
    if re.fullmatch(r"\$\{[^}]*\}", text):
        return None, None
    text = re.sub(r"\$\{[^}]*\}", "*", text)
    # a relative path is relative to where terraform runs: deploy.sh runs it in the stack's folder
    return os.path.normpath(text if os.path.isabs(text) else os.path.join(root, text)), None


#: A path built from path.module or path.root, wherever it appears (a module argument, a local...).
_MODULE_PATH = re.compile(r"(?<![\w.])(\$\{path\.(?:module|root|cwd)\}[^\"\s,)]*)")


def _file_names(folder: Folder) -> Iterator[tuple[TfFile, str]]:
    """Each file (or folder) a module names: file functions' arguments, path.module/path.root paths,
    and the arguments of resources that upload or zip a local file."""
    for tf in folder.files:
        names = set()
        for text in _document_strings(tf):
            names.update(_FILE_CALL.findall(text))
            names.update(_MODULE_PATH.findall(text))
        for kind in ("resource", "data"):
            for in_file, type_, _, body in folder.typed_blocks(kind):
                for argument in _FILE_ARGUMENTS.get(type_, ()):
                    if in_file is tf and isinstance(body.get(argument), str):
                        names.add(body[argument])
        for name in sorted(names):
            yield tf, name


def check_named_files(folders: dict[Path, Folder], generated: tuple[Path, ...] = (ROOT / "build",)) -> list[str]:
    """Every file Terraform reads exists: file(), templatefile(), filemd5()... arguments, file
    arguments of resources, any path from path.module or path.root; path.root is each stack the
    folder runs under. Paths under `generated` (deploy.sh's build/) are made before Terraform runs,
    so they are not looked for."""
    problems = []
    roots = root_modules(folders)
    for path, folder in folders.items():
        for tf, name in _file_names(folder):
            for root in sorted(roots[path]) or [path]:
                pattern, why = _resolve(name, path, root)
                where = tf.where(re.escape(name[:40]))
                if why:
                    problems.append(f"{where}: {name}: {why}")
                if pattern is None or any(Path(pattern).is_relative_to(g) for g in generated):
                    continue
                if not glob.glob(pattern):
                    problems.append(f"{where}: {name} (from {show(root)}): no such file {show(Path(pattern))}")
    return problems


def check_script_files(script: Path, repo: Path = ROOT) -> list[str]:
    """Every repository path a shell script names (lambdas/..., glue_jobs/*.py, ...) exists."""
    if not script.exists():
        return [f"{show(script)}: does not exist"]
    top = "|".join(sorted(p.name for p in repo.iterdir() if p.is_dir() and not p.name.startswith(".")))
    path = re.compile(rf"(?<![\w./$-])((?:{top})/[\w.*/${{}}-]*)")
    problems = []
    for number, line in enumerate(script.read_text().splitlines(), 1):
        code = line.split(" #", 1)[0] if not line.lstrip().startswith("#") else ""
        for name in path.findall(code):
            if name.startswith("build/"):
                continue  # made by the script itself
            pattern = re.sub(r"\$\{[^}]*\}|\$\w+", "*", name).rstrip("/")
            if not glob.glob(str(repo / pattern)):
                problems.append(f"{show(script)}:{number}: {name}: no such file in the repository")
    return problems


_TARGET = re.compile(r"-target[= ]+[\"']?([\w.-]+)")


def check_script_targets(script: Path, stack: Folder, folders: dict[Path, Folder]) -> list[str]:
    """Every `-target=ADDRESS` a shell script gives Terraform is a resource of `stack`, through its
    module calls (`module.<call>.<type>.<name>`): deploy.sh applies the app stack's ECR repositories
    alone first, and a target naming nothing would leave them out, so the functions could not be created."""
    if not script.exists():
        return [f"{show(script)}: does not exist"]
    problems = []
    for number, line in enumerate(script.read_text().splitlines(), 1):
        code = line.split(" #", 1)[0] if not line.lstrip().startswith("#") else ""
        for address in _TARGET.findall(code):
            folder: Folder | None = stack
            parts = address.split(".")
            while folder is not None and len(parts) > 2 and parts[0] == "module":
                calls = {name: body for _, name, body in folder.blocks("module")}
                body = calls.get(parts[1])
                target = _module_target(folder, str(body.get("source", ""))) if body is not None else None
                folder = folders.get(target) if target is not None else None
                parts = parts[2:]
            resources = {(type_, name) for _, type_, name, _ in folder.typed_blocks("resource")} if folder else set()
            if len(parts) != 2 or (parts[0], parts[1]) not in resources:
                problems.append(f"{show(script)}:{number}: -target={address}: no such resource in {show(stack.path)}")
    return problems


# --- state machines, functions, jobs ---------------------------------------------------------------


def literal_local(folder: Folder, name: str) -> tuple[TfFile, Any] | None:
    for tf, local, value in folder.locals():
        if local == name:
            return tf, value
    return None


def terraform_flow_values(app: Folder) -> tuple[dict[str, set[str]], list[str]]:
    """The placeholder names stacks/app gives each flow: the keys of `local.state_machines.<flow>`."""
    found = literal_local(app, "state_machines")
    if found is None:
        return {}, [f"{show(app.path)}: no local state_machines (flow -> placeholder values) to read"]
    tf, value = found
    if not isinstance(value, dict):
        return {}, [f"{tf.where(_STATE_MACHINES)}: local.state_machines is not a literal map"]
    flows, problems = {}, []
    for flow, values in value.items():
        if _internal(flow):
            continue
        if isinstance(values, dict):
            flows[flow] = {key for key in values if not _internal(key)}
        else:
            where = tf.where(rf"\b{flow}\b")
            problems.append(f"{where}: local.state_machines.{flow} is not a literal map")
    return flows, problems


def asl_placeholders(asl_dir: Path) -> dict[str, set[str]]:
    return {
        path.name.removesuffix(".asl.json"): set(_PLACEHOLDER.findall(path.read_text()))
        for path in sorted(asl_dir.glob("*.asl.json"))
    }


def check_asl_templates(asl_dir: Path) -> list[str]:
    """Each `${...}` of an ASL file is a plain placeholder, and no `%{` (templatefile would read either
    as its own syntax)."""
    problems = []
    for path in sorted(asl_dir.glob("*.asl.json")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for expression in re.findall(r"\$\{([^}]*)\}", line):
                if not re.fullmatch(r"[a-z_][a-z0-9_]*", expression):
                    problems.append(f"{show(path)}:{number}: ${{{expression}}} is not a plain placeholder")
            if "%{" in line:
                problems.append(f"{show(path)}:{number}: %{{ is a templatefile directive")
    return problems


def check_flow_values(filled: dict[str, set[str]], needed: dict[str, set[str]], who: str) -> list[str]:
    """`who` fills exactly the placeholders of every flow: none missing, none extra, no unknown flow."""
    problems = []
    for flow in sorted(needed.keys() | filled.keys()):
        if flow not in needed:
            problems.append(f"{who}: fills flow {flow}, which has no stepfunctions/{flow}.asl.json")
        elif flow not in filled:
            problems.append(f"{who}: does not render {flow}")
        else:
            if missing := needed[flow] - filled[flow]:
                problems.append(f"{who}: {flow}: no value for placeholders {sorted(missing)}")
            if extra := filled[flow] - needed[flow]:
                problems.append(f"{who}: {flow}: values for placeholders it does not have {sorted(extra)}")
    return problems


def local_flow_values() -> dict[str, set[str]]:
    """The placeholder names the embedded platform (archive_io.local.resources) renders each flow with.

    Its provisioning runs against mocks, with flows.render recording what it is given.
    """
    from unittest import mock

    from archive_io import flows
    from archive_io.local import resources
    from archive_io.names import ResourceNames

    rendered: dict[str, set[str]] = {}

    def record(flow: str, values: dict[str, str | int]) -> str:
        rendered[flow] = set(values)
        return "{}"

    with mock.patch.object(flows, "render", record):
        resources.provision(mock.MagicMock(), ResourceNames("local"), mock.MagicMock())
    return rendered


def check_inventory(app: Folder, local_name: str, expected: set[str], what: str) -> list[str]:
    """The keys of `local.<local_name>` of stacks/app are exactly `expected` (folders or scripts)."""
    found = literal_local(app, local_name)
    if found is None:
        return [f"{show(app.path)}: no local {local_name} to compare with {what}"]
    tf, value = found
    where = tf.where(rf"\b{local_name}\s*=")
    if not isinstance(value, dict):
        return [f"{where}: local.{local_name} is not a literal map"]
    keys = {key for key in value if not _internal(key)}
    return [f"{where}: local.{local_name} has no entry for {what} {name}" for name in sorted(expected - keys)] + [
        f"{where}: local.{local_name}.{name} has no {what}" for name in sorted(keys - expected)
    ]


# --- the AWS provider's schema ---------------------------------------------------------------------


def _check_arguments(schema: ProviderSchema, struct: str, body: dict[str, Any], path: str) -> list[str]:
    arguments = schema.arguments(struct)
    problems = []
    given = set()
    for key, value in body.items():
        if _internal(key):
            continue
        if key == "dynamic":
            for entry in value if isinstance(value, list) else []:
                for name, dynamic in entry.items():
                    given.add(name)
                    argument = arguments.get(name)
                    if argument is None or argument.block is None:
                        problems.append(f"{path}: dynamic {name}: no such block")
                        continue
                    for content in dynamic.get("content", []) if isinstance(dynamic, dict) else []:
                        problems += _check_arguments(schema, argument.block, content, f"{path}.{name}")
            continue
        given.add(key)
        argument = arguments.get(key)
        if argument is None:
            problems.append(f"{path}: unknown argument {key}")
        elif argument.block is not None and not argument.is_map:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict):  # a block, or an object literal (not an expression)
                    problems += _check_arguments(schema, argument.block, item, f"{path}.{key}")
    for name in sorted(n for n, a in arguments.items() if a.required and n not in given):
        problems.append(f"{path}: required argument {name} is missing")
    return problems


def check_provider_arguments(folder: Folder, schema: ProviderSchema) -> list[str]:
    """Every resource and data source type exists in the AWS provider (or Terraform itself), and every
    argument and nested block of it is one of that type's; required ones are set."""
    problems = []
    for kind, types, meta in (
        ("resource", schema.resources, _RESOURCE_META),
        ("data", schema.data_sources, _DATA_META),
    ):
        for tf, type_, name, body in folder.typed_blocks(kind):
            where = tf.where(rf'{kind}\s+"{re.escape(type_)}"\s+"{re.escape(name)}"')
            label = f"{where}: {'' if kind == 'resource' else 'data.'}{type_}.{name}"
            unmeta = {k: v for k, v in body.items() if k not in meta}
            if (kind, type_) in _BUILTIN:
                for key in sorted(k for k in set(unmeta) - _BUILTIN[kind, type_] if not _internal(k)):
                    problems.append(f"{label}: unknown argument {key}")
            elif type_ not in types:
                problems.append(f"{label}: the AWS provider {schema.provider_version} has no {kind} type {type_}")
            else:
                problems += _check_arguments(schema, types[type_], unmeta, label)
    return problems


# --- tools: checkov, terraform fmt, bash, shellcheck -----------------------------------------------


def check_skip_comments(folders: dict[Path, Folder]) -> list[str]:
    """Every checkov skip is `#checkov:skip=CKV_ID:reason` (the reason says why it is acceptable)."""
    problems = []
    for folder in folders.values():
        for tf in folder.files:
            for number, line in enumerate(tf.text.splitlines(), 1):
                for check, reason in _SKIP_COMMENT.findall(line):
                    if not re.fullmatch(r"CKV2?_[A-Z0-9]+_\d+", check):
                        problems.append(f"{show(tf.path)}:{number}: checkov skip of {check!r}: not a check id")
                    if len(reason.strip()) < 10:
                        problems.append(f"{show(tf.path)}:{number}: checkov skip of {check} has no reason")
    return problems


def run_checkov(directory: Path, checkov: Path = CHECKOV) -> list[str]:
    """checkov's failed checks (and parse errors) on `directory`, one line each."""
    env = os.environ | {"BC_SKIP_MAPPING": "TRUE", "CHECKOV_DISABLE_VERSION_CHECK": "TRUE"}  # offline
    done = subprocess.run(
        [str(checkov), "-d", str(directory), "--framework", "terraform", "-o", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        return [f"checkov gave no JSON report (exit {done.returncode}): {done.stderr[-2000:]}"]
    problems = []
    for part in report if isinstance(report, list) else [report]:
        results = part.get("results", {})
        for failed in results.get("failed_checks", []):
            lines = failed.get("file_line_range") or [0]
            file = show(directory / failed["file_path"].lstrip("/"))
            problems.append(f"{failed['check_id']} {failed['resource']} ({file}:{lines[0]}): {failed['check_name']}")
        for error in results.get("parsing_errors", []):
            problems.append(f"checkov could not parse {error}")
    return problems


def check_terraform_fmt(directory: Path, terraform: str) -> list[str]:
    """The files `terraform fmt` would change (run with a throwaway HOME: it needs no provider)."""
    with tempfile.TemporaryDirectory() as home:
        done = subprocess.run(
            [terraform, "fmt", "-check", "-recursive", "-list=true", "."],
            cwd=directory,  # it lists the files relative to where it runs
            capture_output=True,
            text=True,
            env=os.environ | {"HOME": home, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"},
            timeout=120,
            check=False,
        )
    # exit 3: some files are not formatted (stderr may carry warnings, about a CLI config file say)
    if done.returncode not in (0, 3):
        return [f"terraform fmt failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}"]
    return [f"{show(directory / line)}: not formatted (terraform fmt)" for line in done.stdout.split()]


def check_bash_syntax(script: Path) -> list[str]:
    done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, check=False)
    return [line for line in done.stderr.splitlines() if line.strip()] if done.returncode else []


def shellcheck() -> str | None:
    return shutil.which("shellcheck")


def check_shellcheck(script: Path, binary: str) -> list[str]:
    done = subprocess.run(
        [binary, "--format=gcc", "--external-sources", str(script)],
        capture_output=True,
        text=True,
        cwd=script.parent,
        check=False,
    )
    problems = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode and not problems:
        problems = [f"shellcheck failed (exit {done.returncode}): {done.stderr.strip()}"]
    return problems


# --- environments ------------------------------------------------------------------------------------


def _script_vars(script: Path) -> set[str]:
    """Variables a deploy script passes on terraform's command line (`-var name=...`)."""
    text = script.read_text() if script.exists() else ""
    return set(re.findall(r"-var[= ]+[\"']?(\w+)=", text))


def check_environments(env_dir: Path, stacks: list[Folder], script: Path) -> list[str]:
    """Each env/<env>.tfvars sets only variables some stack declares, and every variable a stack
    requires (unless the deploy script passes it); each env has a .backend.hcl with a bucket, a region,
    use_lockfile and encrypt, and no key (deploy.sh gives one per stack)."""
    problems = []
    passed = _script_vars(script)
    envs = sorted(path.name.removesuffix(".tfvars") for path in env_dir.glob("*.tfvars"))
    if not envs:
        return [f"{show(env_dir)}: no <env>.tfvars"]
    declared = set().union(*(stack.variables().keys() for stack in stacks))
    for env in envs:
        tfvars = env_dir / f"{env}.tfvars"
        try:
            values = parse_file(tfvars).doc
        except Exception as exc:
            problems.append(f"{show(tfvars)}: does not parse: {type(exc).__name__}")
            continue
        tf = TfFile(tfvars, tfvars.read_text(), values)
        for name in sorted(n for n in set(values) - declared if not _internal(n)):
            where = tf.where(rf"^\s*{name}\s*=")
            problems.append(f"{where}: {name} is not a variable of any stack")
        for stack in stacks:
            required = {n for n, spec in stack.variables().items() if "default" not in spec}
            for name in sorted(required - set(values) - passed):
                problems.append(f"{show(tfvars)}: does not set {name}, which {show(stack.path)} requires")
        backend = env_dir / f"{env}.backend.hcl"
        if not backend.exists():
            problems.append(f"{show(backend)}: missing (the S3 backend of {env})")
            continue
        settings = parse_file(backend).doc
        for key in ("bucket", "region"):
            if not settings.get(key):
                problems.append(f"{show(backend)}: no {key}")
        for key in ("use_lockfile", "encrypt"):
            if settings.get(key) is not True:
                problems.append(f"{show(backend)}: {key} is not true")
        if "key" in settings:
            problems.append(f"{show(backend)}: sets key, which deploy.sh gives per stack (<env>/<stack>.tfstate)")
    return problems
