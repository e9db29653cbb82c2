#!/usr/bin/env bash
# The PETSc engine against the embedded solver, side by side (docs/petsc.md): gridworlds of the
# given sizes (cells; default 1e5 and 1e6), each solved by `pgtruth solve` (embedded) and by
# `mpirun -n K pgtruth-mpi solve --engine petsc` for K = 1 and 2, with wall and CPU time and the peak
# memory of each rank. Not a test. Usage: bench/petsc_bench.sh [BUILD_DIR] [CELLS...]
#   RANKS="1 2" PETSC_OPTIONS="-pc_type hypre" bench/petsc_bench.sh build 10000000
set -euo pipefail
build=${1:-build}
shift || true
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(100000 1000000)
ranks=${RANKS:-1 2}
pgtruth=$(realpath "$build/tools/pgtruth")
pgtruth_mpi=$(realpath "$build/tools/pgtruth-mpi")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mpirun=(mpirun -n)
mpirun --version 2>/dev/null | grep -q "Open MPI" && mpirun=(mpirun --oversubscribe --allow-run-as-root -n)
field() { grep -o "\"$1\":[^,}]*" "$2" | head -1 | cut -d: -f2; }
printf '%-9s %-14s %9s %9s %12s %6s %-22s %s\n' cells engine wall_s cpu_s peak_MB/rank iters J "residuals (Bellman, flow)"
for cells in "${sizes[@]}"; do
  width=$(python3 -c "import math; print(math.isqrt($cells))")
  height=$(( (cells + width - 1) / width ))
  file=$work/gridworld-$cells.json
  printf '{"problem": "finite", "gamma": 0.99, "generator": {"type": "gridworld", "width": %d, "height": %d, "slip": 0.1, "step_reward": -1}, "policy": {"type": "softmax", "features": "tabular", "theta": 0}}\n' \
    "$width" "$height" > "$file"
  run() {  # label, command...: one line of the table
    local label=$1; shift
    rm -f "$work"/time.*
    "$@" > "$work/out.json"
    local wall cpu peak
    wall=$(awk '{ if ($1 > w) w = $1 } END { print w }' "$work"/time.*)
    cpu=$(awk '{ c += $2 } END { print c }' "$work"/time.*)
    peak=$(awk '{ if ($3 > m) m = $3 } END { printf "%.0f", m / 1024 }' "$work"/time.*)
    printf '%-9s %-14s %9s %9.1f %12s %6s %-22s %s %s\n' $((width * height)) "$label" "$wall" "$cpu" "$peak" \
      "$(field iterations "$work/out.json")" "$(field J "$work/out.json")" \
      "$(field bellman_residual "$work/out.json")" "$(field flow_residual "$work/out.json")"
  }
  timed() { /usr/bin/time -f "%e %U %M" -o "$work/time.$$.$RANDOM" "$@"; }
  export -f timed
  export work
  if [ "$cells" -le 2000000 ]; then
    run embedded bash -c "$(declare -f timed); timed '$pgtruth' solve '$file' --keys J,solver"
  fi
  for k in $ranks; do
    run "petsc, $k rank$([ "$k" = 1 ] || echo s)" "${mpirun[@]}" "$k" bash -c "$(declare -f timed); timed '$pgtruth_mpi' solve '$file' --engine petsc --keys J,solver"
  done
done
