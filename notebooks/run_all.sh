#!/usr/bin/env bash
# Executes every notebook of this folder top to bottom, as CI does; exits non-zero on any error.
#
#   notebooks/run_all.sh [--venv DIR] [--out DIR]
#
#   --venv DIR  the Python virtual environment to use: created (and the requirements installed)
#               if DIR does not hold one yet, reused otherwise. Default: a temporary one, removed
#               at the end.
#   --out DIR   where the executed notebooks (with their outputs) and the greenloop results go.
#               Default: a temporary folder, removed on success and kept (and named) on failure.
#
# Environment: PYTHON (the interpreter that creates the venv; default python3.11 if present, else
# python3; it must be 3.11 or newer), GREENLOOP (the greenloop binary; default
# target/release/greenloop, built with `cargo build --release` when missing), GREENLOOP_QUICK=1
# (the researcher notebook runs a smaller study).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
venv=""
out=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --venv) venv="${2:?--venv needs a folder}"; shift 2 ;;
        --out) out="${2:?--out needs a folder}"; shift 2 ;;
        -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run_all.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

start=$(date +%s)
temp_venv=""
temp_out=""
cleanup() {
    local status=$?
    if [[ -n "$temp_venv" ]]; then rm -rf "$temp_venv"; fi
    if [[ -n "$temp_out" ]]; then
        if [[ $status -eq 0 ]]; then rm -rf "$temp_out"; else echo "run_all.sh: outputs kept in $temp_out" >&2; fi
    fi
}
trap cleanup EXIT

# The notebooks are stored without outputs, to keep the repository small.
python_for_check="$(command -v python3.11 || command -v python3)"
"$python_for_check" - "$here"/*.ipynb <<'EOF'
import json, sys
dirty = [p for p in sys.argv[1:]
         if any(c.get("outputs") or c.get("execution_count") for c in json.load(open(p))["cells"])]
if dirty:
    sys.exit("run_all.sh: these notebooks are stored with outputs; clear them with\n"
             "  jupyter nbconvert --clear-output --inplace " + " ".join(dirty))
EOF

# The binary.
if [[ -n "${GREENLOOP:-}" ]]; then
    echo "== greenloop: $GREENLOOP (from GREENLOOP)"
elif [[ -x "$root/target/release/greenloop" ]]; then
    echo "== greenloop: $root/target/release/greenloop"
else
    echo "== building greenloop (cargo build --release)"
    (cd "$root" && cargo build --release)
fi

# The Python environment.
if [[ -z "$venv" ]]; then
    temp_venv="$(mktemp -d)"
    venv="$temp_venv/venv"
fi
if [[ ! -x "$venv/bin/python" ]]; then
    python="${PYTHON:-$(command -v python3.11 || command -v python3)}"
    "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "run_all.sh: Python 3.11 or newer is needed (tomllib), got " + sys.version)'
    echo "== creating $venv with $("$python" --version)"
    "$python" -m venv "$venv"
fi
echo "== pip install -r notebooks/requirements.txt"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
# A kernel spec inside the venv, found first: the notebooks run on this venv's Python, whatever
# kernels the user has installed elsewhere.
"$venv/bin/python" -m ipykernel install --prefix "$venv" --name python3 --display-name "Python 3 (greenloop notebooks)" >/dev/null
export JUPYTER_PATH="$venv/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
export JUPYTER_PLATFORM_DIRS=1

# Execute.
if [[ -z "$out" ]]; then
    temp_out="$(mktemp -d)"
    out="$temp_out"
fi
mkdir -p "$out"
export GREENLOOP_NOTEBOOK_OUT="$out/data"
failed=()
for notebook in "$here"/*.ipynb; do
    name="$(basename "$notebook")"
    echo "== $name"
    t0=$(date +%s)
    if "$venv/bin/jupyter" nbconvert --to notebook --execute --ExecutePreprocessor.timeout=600 \
        --ExecutePreprocessor.kernel_name=python3 --output-dir "$out" "$notebook"; then
        echo "   ok in $(( $(date +%s) - t0 )) s"
    else
        echo "   FAILED after $(( $(date +%s) - t0 )) s" >&2
        failed+=("$name")
    fi
done

echo "== $(( $(date +%s) - start )) s in all; executed notebooks in $out"
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "run_all.sh: failed: ${failed[*]}" >&2
    exit 1
fi
