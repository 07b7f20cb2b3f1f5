#!/usr/bin/env bash
# make bench: runs villi's benchmarks and prints each figure as a ratio against a baseline
# measured in the same run (the machines are shared and noisy; absolute times vary).
# Copy the printed table into BENCHMARKS.md together with this command.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
FIX="${VILLI_FIXTURES:-$(cd .. && pwd)/shared/fixtures}"
OUT="${BENCH_OUT:-bench-results.txt}"
N="${VILLI_BENCH_N:-10000}"
: >"$OUT"
log() { echo "$*" | tee -a "$OUT"; }

big="$FIX/pubmed/mattgrayson__pubmed/example-data__NCID_1_16866303_130.14.22.101_9001_1265063521_3500.xml"

log "== parse: villi pubmed.Decoder vs Biopython Entrez.parse on $(basename "$big")"
go test ./pubmed -run '^$' -bench 'BenchmarkDecode$' -benchtime 20x -count 3 | tee -a "$OUT"
if ! /usr/bin/python3 -c 'import Bio' 2>/dev/null; then
  (apt-get update -qq && apt-get install -y -qq python3-biopython) >/dev/null 2>&1 || log "python3-biopython not installable: skipping ratio"
fi
if /usr/bin/python3 -c 'import Bio' 2>/dev/null; then
  /usr/bin/python3 pubmed/bench/biopython_parse.py "$big" | tee -a "$OUT"
fi

log "== import end to end vs bleve alone, $N resampled topical records"
VILLI_BENCH_N="$N" go test ./library -run '^$' -bench 'BenchmarkImport$|BenchmarkBleveAlone$' -benchtime 1x -count 3 -timeout 60m | tee -a "$OUT"

log "== import peak memory (villi import of the same corpus)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go run ./cmd/villi-corpus -n "$N" -seed 42 -o "$tmp/corpus.xml.gz" "$FIX/topical/gut-diet-topics.xml"
if [ -x /usr/bin/time ] || (apt-get install -y -qq time >/dev/null 2>&1); then
  VILLI_DATA="$tmp/data" /usr/bin/time -f 'peak RSS %M KiB, %e s' ./bin/villi import "$tmp/corpus.xml.gz" 2>&1 | tail -2 | tee -a "$OUT"
fi

if ls index/*_test.go >/dev/null 2>&1 && grep -q 'func BenchmarkSearch' index/*_test.go; then
  log "== search"
  go test ./index -run '^$' -bench 'BenchmarkSearch' -benchtime 200x -timeout 60m | tee -a "$OUT"
fi
log "results in $OUT"
