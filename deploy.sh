#!/usr/bin/env bash
# Deploys one environment of Archive-IO: builds the artifacts (project wheel, Glue scripts, JDBC
# drivers, the functions' and the Batch images), uploads them, then runs Terraform on the data
# stack (buckets, tables, keys: stateful) and the app stack (functions, jobs, state machines, API).
#
# Usage: ./deploy.sh ENV [--plan|--apply|--destroy] [--stack data|app|all] [--yes]
#   ENV        an environment of terraform/env/ (ENV.tfvars and ENV.backend.hcl): dev, qa, prod
#   --plan     (default) show what Terraform would change; for the app stack the artifacts are
#              built and uploaded first (images only where their repositories exist already)
#   --apply    plan, then apply exactly that plan
#   --destroy  plan the app stack's destruction and apply it; the data stack is never destroyed here
#   --stack    data, app or all (default: all, data first: the app stack reads its outputs)
#   --yes      do not ask for confirmation (prod asks before anything else happens)
#
# Needs: terraform, aws (credentials for the environment's account), docker, python3 with pip, and
# for the app stack what scripts/spark_jars.sh needs (java, the .venv `make` creates; it takes the
# JDBC drivers from Debian's packages).
set -euo pipefail
shopt -s inherit_errexit # a failure inside $(...) stops the script too

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-python3}"
BUILD=build
# Keys in the artifacts bucket; the app stack's variable glue_wheel_keys gets the wheels'.
WHEEL_PREFIX=wheels/
GLUE_SCRIPT_PREFIX=glue_jobs/ # terraform/modules/glue reads the scripts from here
JAR_PREFIX=jars/              # the Spark jobs' --extra-jars: the default of the app stack's jdbc_driver_keys
JDBC_JARS=(postgresql.jar mariadb-java-client.jar)
# What the images are built from: their tag changes with any of it.
IMAGE_SOURCES=(src pyproject.toml README.md lambdas batch_containers .dockerignore)
# The app stack's ECR repositories and their policies, created ahead of the rest on a first apply:
# a function of package type Image cannot be created before its image is in its repository.
REPOSITORY_TARGETS=(
    -target=module.functions.module.repository.aws_ecr_repository.this
    -target=module.functions.module.repository.aws_ecr_lifecycle_policy.this
    -target=module.functions.aws_ecr_repository_policy.this
    -target=module.batch.module.repository.aws_ecr_repository.this
    -target=module.batch.module.repository.aws_ecr_lifecycle_policy.this
)
# A reproducible wheel: the same sources give the same bytes, so an unchanged wheel is not uploaded again.
export SOURCE_DATE_EPOCH=315532800

ENV_NAME=""
ACTION=plan
STACK=all
ASSUME_YES=0
ACCOUNT=""
REGION=""
IMAGE_TAG=""
WHEEL=""
GLUE_WHEEL_KEYS=() # a destroy plan needs the variable, not the wheels

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
        plan/app) what="build and upload the artifacts (wheel, Glue scripts, JDBC drivers, images), then plan the app stack" ;;
        apply/app) what="build and upload the artifacts (wheel, Glue scripts, JDBC drivers, images), then plan and apply the app stack" ;;
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

# Its arguments as an HCL list of strings, for -var (keys hold no quotes).
hcl_list() {
    local item out=""
    for item in "$@"; do
        out+="${out:+,}\"$item\""
    done
    echo "[$out]"
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

# The Glue jobs' wheels: the project's and every one it depends on, for Glue 5 (CPython 3.11,
# x86_64 Linux). The jobs install them from S3 with no index: private subnets cannot reach PyPI.
build_glue_wheels() {
    say "downloading the wheels the project depends on, for Glue 5 (Python 3.11, manylinux x86_64)"
    rm -rf "${BUILD:?}/glue-wheels"
    "$PYTHON" -m pip download --quiet --only-binary=:all: --implementation cp --python-version 3.11 \
        --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 \
        --dest "$BUILD/glue-wheels" "$WHEEL" || die "pip download of the Glue jobs' wheels failed"
}

# The JDBC drivers of the Spark Glue jobs: the ones the local Spark engine is tested with.
build_jdbc_jars() {
    local jar
    say "building .spark-jars/ (scripts/spark_jars.sh) for the JDBC drivers"
    scripts/spark_jars.sh || die "scripts/spark_jars.sh failed (see above)"
    for jar in "${JDBC_JARS[@]}"; do
        [[ -f ".spark-jars/$jar" ]] || die "scripts/spark_jars.sh made no .spark-jars/$jar"
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
    local bucket script jar wheel
    bucket="$(artifacts_bucket)"
    say "uploading the artifacts to s3://$bucket"
    GLUE_WHEEL_KEYS=()
    for wheel in "$BUILD"/glue-wheels/*.whl; do
        upload "$wheel" "$WHEEL_PREFIX$(basename "$wheel")" "$bucket"
        GLUE_WHEEL_KEYS+=("$WHEEL_PREFIX$(basename "$wheel")")
    done
    for script in glue_jobs/*.py; do
        upload "$script" "$GLUE_SCRIPT_PREFIX$(basename "$script")" "$bucket"
    done
    for jar in "${JDBC_JARS[@]}"; do
        upload ".spark-jars/$jar" "$JAR_PREFIX$jar" "$bucket"
    done
}

# The images' tag: the commit, plus a digest of uncommitted changes (ECR tags are immutable).
image_tag() {
    local commit changes digest
    commit="$(git rev-parse --short=12 HEAD)"
    changes="$(git status --porcelain -- "${IMAGE_SOURCES[@]}")"
    if [[ -n "$changes" ]]; then
        # the changed tracked files, and the untracked ones (git diff leaves them out)
        digest="$({
            git diff HEAD -- "${IMAGE_SOURCES[@]}"
            git ls-files -z --others --exclude-standard -- "${IMAGE_SOURCES[@]}" | xargs -0 -r sha256sum
        } | sha256sum | cut -c1-8)"
        commit="$commit-dirty-$digest"
    fi
    echo "$commit"
}

# The images, one a line: "<repository suffix> <Dockerfile>" (repository archive-io-<env>-<suffix>).
images() {
    local dockerfile name
    echo "functions lambdas/Dockerfile"
    for dockerfile in batch_containers/*/Dockerfile; do
        name="$(basename "$(dirname "$dockerfile")")"
        echo "${name//_/-} $dockerfile"
    done
}

repository_exists() {
    aws ecr describe-repositories --region "$REGION" --repository-names "$1" >/dev/null 2>&1
}

# On a first apply the app stack's ECR repositories do not exist yet, and a function of package
# type Image cannot be created before its image is there (a Batch job definition only names its
# image; Lambda fetches it when the function is created). So the repositories and their policies
# (with the app key they are encrypted with) are planned and applied alone first, with -target; then
# the images are pushed; then the whole stack is planned and applied. --plan creates nothing: it
# pushes to the repositories that exist and plans the missing ones with the rest.
create_repositories() {
    local entry suffix dockerfile entries missing=()
    mapfile -t entries < <(images)
    for entry in "${entries[@]}"; do
        read -r suffix dockerfile <<<"$entry"
        repository_exists "archive-io-$ENV_NAME-$suffix" || missing+=("archive-io-$ENV_NAME-$suffix")
    done
    ((${#missing[@]})) || return 0
    say "creating the ECR repositories ${missing[*]} first (terraform apply -target: the functions need their image)"
    terraform_stack app repositories "${REPOSITORY_TARGETS[@]}"
}

# Builds and pushes each image (images) to its ECR repository where the repository exists and has
# no image of this tag yet.
push_images() {
    local entry suffix dockerfile entries repository registry build_args logged_in=0
    registry="$ACCOUNT.dkr.ecr.$REGION.amazonaws.com"
    mapfile -t entries < <(images)
    for entry in "${entries[@]}"; do
        read -r suffix dockerfile <<<"$entry"
        repository="archive-io-$ENV_NAME-$suffix"
        if ! repository_exists "$repository"; then
            say "  ECR repository $repository does not exist yet: --apply creates it and pushes its image"
            continue
        fi
        if aws ecr describe-images --region "$REGION" --repository-name "$repository" \
            --image-ids "imageTag=$IMAGE_TAG" >/dev/null 2>&1; then
            say "  image $repository:$IMAGE_TAG already pushed"
            continue
        fi
        if ((!logged_in)); then
            aws ecr get-login-password --region "$REGION" | docker login --username AWS --password-stdin "$registry"
            logged_in=1
        fi
        build_args=()
        if [[ "$dockerfile" == lambdas/Dockerfile ]]; then
            build_args=(--build-arg "WHEEL=$(basename "$WHEEL")") # lambdas/Dockerfile installs the wheel of build/dist/
        fi
        say "  building $dockerfile as $repository:$IMAGE_TAG"
        # built from the repository root (.dockerignore says what goes in)
        docker build --platform linux/amd64 "${build_args[@]}" -f "$dockerfile" -t "$registry/$repository:$IMAGE_TAG" .
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

# Plans STACK into build/ and, for --apply and --destroy, applies exactly that plan. An optional
# PART names the plan and is followed by the -target options that restrict it to part of the stack.
terraform_stack() {
    local stack="$1" part="${2:-}"
    local name="$stack${part:+-$part}"
    local plan="$ROOT/$BUILD/$ENV_NAME-$name.tfplan"
    local args=(-input=false -var-file="$ROOT/terraform/env/$ENV_NAME.tfvars" -out="$plan" "${@:3}")
    if [[ "$stack" == app ]]; then
        args+=(
            -var "functions_image_tag=$IMAGE_TAG"
            -var "bundler_image_tag=$IMAGE_TAG"
            -var "glue_wheel_keys=$(hcl_list "${GLUE_WHEEL_KEYS[@]}")"
        )
    fi
    if [[ "$ACTION" == destroy ]]; then
        args+=(-destroy)
    fi
    say "terraform init of the $stack stack (state $ENV_NAME/$stack.tfstate)"
    terraform_init "$stack"
    say "terraform plan of the $stack stack${part:+ ($part only)}"
    mkdir -p "$BUILD"
    terraform -chdir="terraform/stacks/$stack" plan "${args[@]}"
    if [[ "$ACTION" != plan ]]; then
        say "terraform apply of the $stack stack's plan${part:+ ($part only)}"
        terraform -chdir="terraform/stacks/$stack" apply -input=false "$plan"
    fi
}

deploy_app() {
    IMAGE_TAG="$(image_tag)"
    if [[ "$ACTION" == destroy ]]; then
        terraform_stack app
        return
    fi
    mkdir -p "$BUILD"
    build_wheel
    build_glue_wheels
    build_jdbc_jars
    upload_artifacts
    if [[ "$ACTION" == apply ]]; then
        create_repositories
    fi
    say "building and pushing the images (tag $IMAGE_TAG)"
    push_images
    terraform_stack app
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
