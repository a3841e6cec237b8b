#!/usr/bin/env bash
# Builds .spark-jars/ for the local Spark engine (Glue 5 = Spark 3.5, Iceberg 1.10), idempotently:
#   iceberg-spark-runtime-3.5_2.12-1.10.x.jar   from the PyPI package snowpark-connect-deps-iceberg
#   iceberg-shaded-jackson-<v>.jar               pyspark's jackson relocated to the package the runtime
#                                                jar expects (its own shaded copy is missing)
#   postgresql.jar, mariadb-java-client.jar      the Debian JDBC drivers
# Glue ships its own Iceberg and JDBC jars: this is for local runs and tests only.
#
# Usage: scripts/spark_jars.sh [--no-apt]     (PYTHON=... picks the Python with pyspark and pip)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/.spark-jars"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
ICEBERG_PACKAGE="snowpark-connect-deps-iceberg==1.0.3" # carries iceberg-spark-runtime-3.5_2.12-1.10.2
RUNTIME_GLOB="iceberg-spark-runtime-3.5_2.12-1.10.*.jar"
APT_PACKAGES=(libjarjar-java libpostgresql-jdbc-java libmariadb-java)
USE_APT=1
[[ "${1:-}" == "--no-apt" ]] && USE_APT=0

say() { echo "spark_jars: $*"; }
die() {
    echo "spark_jars: ERROR: $*" >&2
    exit 1
}

command -v java >/dev/null || die "java is not installed (Spark 3.5 needs Java 17, as Glue 5)"
[[ -x "$PYTHON" ]] || die "no Python at $PYTHON (run 'make' to create .venv, or set PYTHON)"
PYSPARK_JARS="$("$PYTHON" -c 'import os, pyspark; print(os.path.join(os.path.dirname(pyspark.__file__), "jars"))')" ||
    die "pyspark is not importable by $PYTHON"
[[ "$("$PYTHON" -c 'import pyspark; print(pyspark.__version__[:4])')" == "3.5." ]] ||
    die "pyspark 3.5 is needed (the runtime jar is built for Spark 3.5)"

mkdir -p "$OUT"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# --- Debian packages: jarjar and the JDBC drivers --------------------------------------------
missing=()
for package in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    ((USE_APT)) || die "missing Debian packages: ${missing[*]} (install them, or run without --no-apt)"
    command -v apt-get >/dev/null || die "missing packages ${missing[*]} and no apt-get to install them"
    SUDO=""
    if [[ "$(id -u)" != 0 ]]; then
        command -v sudo >/dev/null || die "missing packages ${missing[*]}: run as root or install them"
        SUDO=sudo
    fi
    say "installing ${missing[*]}"
    $SUDO apt-get update -qq || die "apt-get update failed"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
        die "apt-get install ${missing[*]} failed"
else
    say "Debian packages present: ${APT_PACKAGES[*]}"
fi
JARJAR=/usr/share/java/jarjar.jar
[[ -f "$JARJAR" ]] || die "$JARJAR is missing (package libjarjar-java)"

for jar in postgresql.jar mariadb-java-client.jar; do
    [[ -f "/usr/share/java/$jar" ]] || die "/usr/share/java/$jar is missing"
    # a copy, not a link: the directory can be shipped or mounted elsewhere
    if cmp -s "/usr/share/java/$jar" "$OUT/$jar"; then
        say "$jar up to date"
    else
        cp -L "/usr/share/java/$jar" "$OUT/$jar"
        say "copied /usr/share/java/$jar"
    fi
done

# --- the Iceberg Spark runtime jar ------------------------------------------------------------
shopt -s nullglob
runtime=("$OUT"/$RUNTIME_GLOB)
if ((${#runtime[@]})); then
    say "$(basename "${runtime[0]}") present"
else
    say "downloading $ICEBERG_PACKAGE from PyPI (not installed: only its jar is kept)"
    "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: -d "$TMP/wheel" "$ICEBERG_PACKAGE" ||
        die "pip download $ICEBERG_PACKAGE failed (no network or PyPI access?)"
    wheel=("$TMP"/wheel/*.whl)
    ((${#wheel[@]})) || die "pip download gave no wheel"
    "$PYTHON" - "${wheel[0]}" "$OUT" "$RUNTIME_GLOB" <<'EOF' || die "the wheel has no $RUNTIME_GLOB"
import fnmatch, os, shutil, sys, zipfile
wheel, out, pattern = sys.argv[1:]
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if fnmatch.fnmatch(os.path.basename(n), pattern)]
    if not names:
        sys.exit(1)
    with z.open(names[0]) as src, open(os.path.join(out, os.path.basename(names[0])), "wb") as dst:
        shutil.copyfileobj(src, dst)
EOF
    runtime=("$OUT"/$RUNTIME_GLOB)
    say "extracted $(basename "${runtime[0]}")"
fi

# --- pyspark's jackson, relocated where the runtime jar looks for it ---------------------------
core=("$PYSPARK_JARS"/jackson-core-2.*.jar)
((${#core[@]})) || die "no jackson-core jar in $PYSPARK_JARS"
version="$(basename "${core[0]}" .jar)"
version="${version#jackson-core-}"
SHADED="$OUT/iceberg-shaded-jackson-$version.jar"
if [[ -s "$SHADED" ]]; then
    say "$(basename "$SHADED") present"
else
    rm -f "$OUT"/iceberg-shaded-jackson-*.jar # another pyspark's jackson
    mkdir -p "$TMP/jackson"
    for name in core databind annotations; do
        jar="$PYSPARK_JARS/jackson-$name-$version.jar"
        [[ -f "$jar" ]] || die "$jar is missing"
        (cd "$TMP/jackson" && unzip -q -o "$jar" -x 'META-INF/*')
    done
    # multi-release classes (META-INF/versions/*) are left out above: jarjar 1.4 cannot relocate them
    (cd "$TMP/jackson" && "$PYTHON" -c '
import os, zipfile
with zipfile.ZipFile("../jackson-merged.jar", "w", zipfile.ZIP_DEFLATED) as z:
    for d, _, files in os.walk("."):
        for f in files:
            z.write(os.path.join(d, f), os.path.relpath(os.path.join(d, f), "."))
')
    echo 'rule com.fasterxml.jackson.** org.apache.iceberg.shaded.com.fasterxml.jackson.@1' >"$TMP/rules.txt"
    java -jar "$JARJAR" process "$TMP/rules.txt" "$TMP/jackson-merged.jar" "$TMP/shaded.jar" >/dev/null ||
        die "jarjar failed to relocate jackson"
    # (not `| grep -q`: its early exit would fail the pipe under pipefail)
    unzip -l "$TMP/shaded.jar" >"$TMP/shaded.txt"
    grep -q 'org/apache/iceberg/shaded/com/fasterxml/jackson/databind/ObjectMapper.class' "$TMP/shaded.txt" ||
        die "the relocated jackson jar has no ObjectMapper"
    mv "$TMP/shaded.jar" "$SHADED"
    say "relocated pyspark's jackson $version into $(basename "$SHADED")"
fi

say "ready: $OUT"
ls -1 "$OUT"/*.jar | sed 's/^/  /'
