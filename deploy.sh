#!/usr/bin/env bash
# Deploys one environment of Archive-IO: builds the artifacts (project wheel, Lambda layer and
# zips, Glue scripts, Batch images), uploads them, then runs Terraform on the data stack
# (buckets, tables, keys: stateful) and the app stack (functions, jobs, state machines, API).
#
# Usage: ./deploy.sh ENV [--plan|--apply|--destroy] [--stack data|app|all] [--yes]
#   ENV        an environment of terraform/env/ (ENV.tfvars and ENV.backend.hcl): dev, qa, prod
#   --plan     (default) show what Terraform would change; for the app stack the artifacts are
#              built and uploaded first (its plan reads their versions in S3)
#   --apply    plan, then apply exactly that plan
#   --destroy  plan the app stack's destruction and apply it; the data stack is never destroyed here
#   --stack    data, app or all (default: all, data first: the app stack reads its outputs)
#   --yes      do not ask for confirmation (prod asks before anything else happens)
#
# Needs: terraform, aws (credentials for the environment's account), docker, python3 with pip.
set -euo pipefail
shopt -s inherit_errexit # a failure inside $(...) stops the script too

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-python3}"
BUILD=build
# The Lambda runtime of terraform/modules/functions: the layer gets wheels for it. python3.11 runs
# on Amazon Linux 2 (glibc 2.26): wheels built for a newer glibc (manylinux_2_28) would not load.
LAMBDA_PYTHON=3.11
LAMBDA_PLATFORMS=(manylinux2014_x86_64)
# Lambda refuses a function whose code and layers unzip to more than this.
LAMBDA_UNZIPPED_LIMIT=262144000
# Keys in the artifacts bucket; the app stack's variables of the same names get these values.
LAYER_KEY=lambda/layer.zip
FUNCTION_ZIP_PREFIX=lambda/functions/
WHEEL_PREFIX=wheels/
GLUE_SCRIPT_PREFIX=glue_jobs/ # terraform/modules/glue reads the scripts from here
# Reproducible archives: the same sources give the same bytes, so unchanged code is not uploaded again.
export SOURCE_DATE_EPOCH=315532800

ENV_NAME=""
ACTION=plan
STACK=all
ASSUME_YES=0
ACCOUNT=""
REGION=""
IMAGE_TAG=""
WHEEL=""

say() { echo "deploy: $*"; }
die() {
    echo "deploy: ERROR: $*" >&2
    exit 1
}
usage() {
    sed -n '6,13s/^# \{0,1\}//p' "$ROOT/deploy.sh"
    exit 2
}

known_environments() {
    local file names=()
    for file in terraform/env/*.tfvars; do
        [[ -f "$file" ]] && names+=("$(basename "$file" .tfvars)")
    done
    echo "${names[*]:-none}"
}

parse_args() {
    (($#)) || usage
    while (($#)); do
        case "$1" in
        --plan) ACTION=plan ;;
        --apply) ACTION=apply ;;
        --destroy) ACTION=destroy ;;
        --stack)
            (($# >= 2)) || die "--stack needs data, app or all"
            STACK="$2"
            shift
            ;;
        --stack=*) STACK="${1#--stack=}" ;;
        --yes | -y) ASSUME_YES=1 ;;
        -h | --help) usage ;;
        -*) die "unknown option $1 (see --help)" ;;
        *)
            [[ -z "$ENV_NAME" ]] || die "one environment at a time ($ENV_NAME, then $1)"
            ENV_NAME="$1"
            ;;
        esac
        shift
    done
    [[ -n "$ENV_NAME" ]] || usage
    [[ "$STACK" =~ ^(data|app|all)$ ]] || die "--stack is data, app or all, not '$STACK'"
    if [[ "$ACTION" == destroy && "$STACK" != app ]]; then
        die "refusing to destroy the data stack (buckets, tables and keys hold the archives; they are" \
            "protected by prevent_destroy): --destroy works with --stack app only"
    fi
}

check_environment() {
    [[ "$ENV_NAME" =~ ^[a-z][a-z0-9-]*$ && -f "terraform/env/$ENV_NAME.tfvars" ]] ||
        die "unknown environment '$ENV_NAME' (known: $(known_environments))"
    [[ -f "terraform/env/$ENV_NAME.backend.hcl" ]] || die "terraform/env/$ENV_NAME.backend.hcl is missing"
    REGION="$(sed -nE 's/^[[:space:]]*region[[:space:]]*=[[:space:]]*"([^"]+)".*/\1/p' "terraform/env/$ENV_NAME.tfvars")"
    [[ -n "$REGION" ]] || die "terraform/env/$ENV_NAME.tfvars sets no region"
}

need() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || die "$tool is not installed (needed to $ACTION the $STACK stack)"
    done
}

check_tools() {
    need terraform aws "$PYTHON"
    [[ "$STACK" == data || "$ACTION" == destroy ]] || need docker git
    ACCOUNT="$(aws sts get-caller-identity --query Account --output text)" ||
        die "no AWS credentials (aws sts get-caller-identity failed)"
}

stacks() {
    case "$STACK" in
    all) echo data app ;;
    *) echo "$STACK" ;;
    esac
}

announce() {
    local stack what
    say "environment $ENV_NAME: account $ACCOUNT, region $REGION"
    for stack in $(stacks); do
        case "$ACTION/$stack" in
        plan/data) what="plan the data stack (terraform/stacks/data); nothing is changed" ;;
        apply/data) what="plan and apply the data stack (terraform/stacks/data)" ;;
        plan/app) what="build and upload the artifacts (wheel, layer, function zips, Glue scripts, images), then plan the app stack" ;;
        apply/app) what="build and upload the artifacts (wheel, layer, function zips, Glue scripts, images), then plan and apply the app stack" ;;
        destroy/app) what="DESTROY the app stack (functions, jobs, state machines, API); the data stack stays" ;;
        esac
        say "  about to $what"
    done
}

confirm() {
    [[ "$ENV_NAME" == prod || "$ACTION" == destroy ]] || return 0
    if ((ASSUME_YES)); then
        return 0
    fi
    [[ -t 0 ]] || die "$ENV_NAME: confirmation needed and there is no terminal to ask on (pass --yes)"
    local answer
    read -r -p "deploy: type the environment name ($ENV_NAME) to go on: " answer
    [[ "$answer" == "$ENV_NAME" ]] || die "not confirmed: nothing done"
}

# --- artifacts -----------------------------------------------------------------------------------

# A zip of DIR's contents whose bytes depend on the contents only (sorted entries, fixed times).
reproducible_zip() {
    "$PYTHON" - "$1" "$2" <<'EOF'
import os, sys, zipfile
source, target = sys.argv[1:]
with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
    for directory, folders, files in os.walk(source):
        folders.sort()
        for name in sorted(files):
            path = os.path.join(directory, name)
            entry = zipfile.ZipInfo(os.path.relpath(path, source), date_time=(1980, 1, 1, 0, 0, 0))
            entry.external_attr = (os.stat(path).st_mode & 0o777 | 0o100000) << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            with open(path, "rb") as data:
                archive.writestr(entry, data.read())
EOF
}

build_wheel() {
    say "building the project wheel"
    # setuptools builds in build/lib: a stale copy there would put deleted modules in the wheel
    rm -rf "${BUILD:?}/dist" "${BUILD:?}/lib" "${BUILD:?}"/bdist.*
    "$PYTHON" -m pip wheel --quiet --no-deps --wheel-dir "$BUILD/dist" . || die "pip wheel failed"
    rm -rf "${BUILD:?}/lib" "${BUILD:?}"/bdist.*
    local wheels=("$BUILD"/dist/archive_io-*.whl)
    [[ -f "${wheels[0]}" ]] || die "pip wheel made no archive_io wheel"
    WHEEL="${wheels[0]}"
}

build_layer() {
    local platform platforms=()
    for platform in "${LAMBDA_PLATFORMS[@]}"; do
        platforms+=(--platform "$platform")
    done
    say "building the Lambda layer (the wheel and its dependencies for ${LAMBDA_PLATFORMS[*]}, Python $LAMBDA_PYTHON)"
    rm -rf "$BUILD/layer" "$BUILD/layer.zip"
    "$PYTHON" -m pip install --quiet --no-compile --target "$BUILD/layer/python" "${platforms[@]}" \
        --implementation cp --python-version "$LAMBDA_PYTHON" --only-binary=:all: "$WHEEL" ||
        die "pip found no wheels of the layer's packages for ${LAMBDA_PLATFORMS[*]} (see above)"
    find "$BUILD/layer" -name __pycache__ -type d -prune -exec rm -rf {} +
    local size
    size="$(du -sb "$BUILD/layer" | cut -f1)"
    if ((size > LAMBDA_UNZIPPED_LIMIT)); then
        du -sm "$BUILD"/layer/python/* | sort -rn | head -8 >&2
        die "the layer unzips to $((size / 1048576)) MiB, over Lambda's $((LAMBDA_UNZIPPED_LIMIT / 1048576)) MiB"
    fi
    reproducible_zip "$BUILD/layer" "$BUILD/layer.zip"
    say "  layer.zip: $((size / 1048576)) MiB unzipped"
}

build_functions() {
    local handler folder
    rm -rf "$BUILD/functions"
    mkdir -p "$BUILD/functions"
    for handler in lambdas/*/handler.py; do
        folder="$(basename "$(dirname "$handler")")"
        # handler.py at the root of the zip (handler "handler.lambda_handler"); archive_io is in the layer
        mkdir -p "$BUILD/functions/$folder"
        cp lambdas/"$folder"/*.py "$BUILD/functions/$folder/"
        reproducible_zip "$BUILD/functions/$folder" "$BUILD/functions/$folder.zip"
        rm -rf "${BUILD:?}/functions/$folder"
        say "  function zip $folder.zip"
    done
}

# Uploads FILE to KEY of the artifacts bucket unless the object there has the same sha256.
upload() {
    local file="$1" key="$2" bucket="$3" sha remote
    sha="$(sha256sum "$file" | cut -d' ' -f1)"
    remote="$(aws s3api head-object --bucket "$bucket" --key "$key" --query Metadata.sha256 --output text 2>/dev/null || true)"
    if [[ "$remote" == "$sha" ]]; then
        say "  s3://$bucket/$key unchanged"
    else
        aws s3 cp --only-show-errors --metadata "sha256=$sha" "$file" "s3://$bucket/$key"
        say "  uploaded s3://$bucket/$key"
    fi
}

artifacts_bucket() {
    local bucket
    terraform_init data >/dev/null
    bucket="$(terraform -chdir=terraform/stacks/data output -json bucket_names |
        "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["artifacts"])')" ||
        die "the data stack has no bucket_names output: apply it first (./deploy.sh $ENV_NAME --apply --stack data)"
    echo "$bucket"
}

upload_artifacts() {
    local bucket script zip
    bucket="$(artifacts_bucket)"
    say "uploading the artifacts to s3://$bucket"
    upload "$WHEEL" "$WHEEL_PREFIX$(basename "$WHEEL")" "$bucket"
    upload "$BUILD/layer.zip" "$LAYER_KEY" "$bucket"
    for zip in "$BUILD"/functions/*.zip; do
        upload "$zip" "$FUNCTION_ZIP_PREFIX$(basename "$zip")" "$bucket"
    done
    for script in glue_jobs/*.py; do
        upload "$script" "$GLUE_SCRIPT_PREFIX$(basename "$script")" "$bucket"
    done
}

# The images' tag: the commit, plus a digest of uncommitted changes (ECR tags are immutable).
image_tag() {
    local commit changes
    commit="$(git rev-parse --short=12 HEAD)"
    changes="$(git status --porcelain -- src pyproject.toml README.md batch_containers)"
    if [[ -n "$changes" ]]; then
        commit="$commit-dirty-$(git diff HEAD -- src pyproject.toml README.md batch_containers | sha256sum | cut -c1-8)"
    fi
    echo "$commit"
}

# Builds and pushes batch_containers/<name>/ to ECR repository <prefix>-<name>, where the repository
# exists (the app stack creates it: on a first deploy the images are pushed after its apply).
push_images() {
    local dockerfile name repository registry pushed_any=0
    registry="$ACCOUNT.dkr.ecr.$REGION.amazonaws.com"
    for dockerfile in batch_containers/*/Dockerfile; do
        name="$(basename "$(dirname "$dockerfile")")"
        repository="archive-io-$ENV_NAME-${name//_/-}"
        if ! aws ecr describe-repositories --region "$REGION" --repository-names "$repository" >/dev/null 2>&1; then
            say "  ECR repository $repository does not exist yet: its image is pushed after the apply"
            continue
        fi
        if aws ecr describe-images --region "$REGION" --repository-name "$repository" \
            --image-ids "imageTag=$IMAGE_TAG" >/dev/null 2>&1; then
            say "  image $repository:$IMAGE_TAG already pushed"
            continue
        fi
        if ((!pushed_any)); then
            aws ecr get-login-password --region "$REGION" | docker login --username AWS --password-stdin "$registry"
            pushed_any=1
        fi
        say "  building $dockerfile as $repository:$IMAGE_TAG"
        # built from the repository root: the image installs the project from src/
        docker build --platform linux/amd64 -f "$dockerfile" -t "$registry/$repository:$IMAGE_TAG" .
        docker push "$registry/$repository:$IMAGE_TAG"
    done
}

# --- terraform -----------------------------------------------------------------------------------

terraform_init() {
    local stack="$1"
    terraform -chdir="terraform/stacks/$stack" init -input=false -reconfigure \
        -backend-config="$ROOT/terraform/env/$ENV_NAME.backend.hcl" \
        -backend-config="key=$ENV_NAME/$stack.tfstate"
}

# Plans STACK into build/ and, for --apply and --destroy, applies exactly that plan.
terraform_stack() {
    local stack="$1"
    local plan="$ROOT/$BUILD/$ENV_NAME-$stack.tfplan"
    local args=(-input=false -var-file="$ROOT/terraform/env/$ENV_NAME.tfvars" -out="$plan")
    if [[ "$stack" == app ]]; then
        args+=(
            -var "bundler_image_tag=$IMAGE_TAG"
            -var "wheel_key=$WHEEL_PREFIX$(basename "$WHEEL")"
            -var "layer_key=$LAYER_KEY"
            -var "function_zip_prefix=$FUNCTION_ZIP_PREFIX"
        )
    fi
    if [[ "$ACTION" == destroy ]]; then
        args+=(-destroy)
    fi
    say "terraform init of the $stack stack (state $ENV_NAME/$stack.tfstate)"
    terraform_init "$stack"
    say "terraform plan of the $stack stack"
    mkdir -p "$BUILD"
    terraform -chdir="terraform/stacks/$stack" plan "${args[@]}"
    if [[ "$ACTION" != plan ]]; then
        say "terraform apply of the $stack stack's plan"
        terraform -chdir="terraform/stacks/$stack" apply -input=false "$plan"
    fi
}

deploy_app() {
    IMAGE_TAG="$(image_tag)"
    if [[ "$ACTION" == destroy ]]; then
        WHEEL="$BUILD/dist/archive_io-unused.whl" # the plan needs values, not files
        terraform_stack app
        return
    fi
    mkdir -p "$BUILD"
    build_wheel
    build_layer
    say "building the function zips"
    build_functions
    upload_artifacts
    say "building and pushing the Batch images (tag $IMAGE_TAG)"
    push_images
    terraform_stack app
    if [[ "$ACTION" == apply ]]; then
        push_images # the repositories a first apply created
    fi
}

main() {
    cd "$ROOT"
    parse_args "$@"
    check_environment
    check_tools
    announce
    confirm
    local stack
    for stack in $(stacks); do
        case "$stack" in
        data) terraform_stack data ;;
        app) deploy_app ;;
        esac
    done
    say "done: $ACTION of $STACK for $ENV_NAME"
}

main "$@"
