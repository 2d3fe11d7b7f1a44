#!/bin/bash
# Submits a sharded sweep and its merge to Slurm.
#
#   deploy/slurm/submit.sh SWEEP_FILE OUT_DIR SHARDS
#
# Prints the two job ids. The merged results land in OUT_DIR/merged.
set -euo pipefail
SWEEP=${1:?usage: submit.sh SWEEP_FILE OUT_DIR SHARDS}
OUT=${2:?usage: submit.sh SWEEP_FILE OUT_DIR SHARDS}
SHARDS=${3:-4}
HERE="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$OUT"
ARRAY=$(sbatch --parsable --array="0-$((SHARDS - 1))" "$HERE/sweep-array.sbatch" "$SWEEP" "$OUT")
MERGE=$(sbatch --parsable --dependency="afterok:$ARRAY" "$HERE/merge.sbatch" "$OUT")
echo "array job $ARRAY ($SHARDS shards), merge job $MERGE; results in $OUT/merged"
