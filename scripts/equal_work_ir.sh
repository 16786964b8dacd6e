#!/bin/sh
# Instructions per element of the cases of benches/equal_work.rs, counted by
# callgrind (deterministic): each case runs once over 10,000 and once over
# 20,000 elements, and the difference over 10,000 is its per-element cost,
# every set-up cancelled. BENCHMARKS.md ("Instructions per element").
#
#   scripts/equal_work_ir.sh BINARY [CASE...]
#
# BINARY: the bench binary, printed by
#   cargo bench -p seqflow-benches --bench equal_work --no-run
# (add `--profile bench-lto` for the thin-LTO build). Without CASEs, every
# P1-P4 case.
set -eu
bin=$1
shift
if [ $# -eq 0 ]; then
    set -- p1_bare_loop p1_seqflow p1_seqflow_split p1_async_stream p1_async_stream_split \
        p1_async_fn_stream p1_asynk_strim p1_asynk_strim_split p2_seqflow p2_seqflow_split \
        p3_seqflow_iter p3_seqflow_from_fn p3_futures p3b_async_stream p4_pull
fi
ir() {
    EQUAL_ONCE=$1 EQUAL_N=$2 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" 2>&1 |
        sed -n 's/.*Collected : //p'
}
for case in "$@"; do
    small=$(ir "$case" 10000)
    large=$(ir "$case" 20000)
    echo "$case $(echo "scale=1; ($large - $small) / 10000" | bc)"
done
