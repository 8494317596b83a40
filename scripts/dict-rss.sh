#!/usr/bin/env bash
# dict-rss.sh measures what newsroom words cost a running server: it
# starts `zhsearch serve` on a new data directory at 127.0.0.1 (the seed
# page indexed, so each POST also starts a re-index), POSTs ROUNDS batches
# of 10,000 new four-character words to /v1/dictionary, waits for each
# re-index to finish, and prints after each batch the server's RSS
# (VmRSS, and its anonymous part RssAnon, from /proc), the Go heap in use
# just after a collection (HeapInuse, through ZHSEARCH_PPROF) and the
# POST's time.
#
# Usage: scripts/dict-rss.sh [ROUNDS]      (default 10; needs go, curl, python3)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-10}
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
go build -o "$tmp/zhsearch" ./cmd/zhsearch
free() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free)
pport=$(free)
base=http://127.0.0.1:$port
ZHSEARCH_PPROF=127.0.0.1:$pport "$tmp/zhsearch" serve --listen 127.0.0.1:$port --data "$tmp/data" --seed=true \
  --max-dict-words $((rounds * 10000)) --log-level warn 2>"$tmp/log" &
pid=$!
for _ in $(seq 300); do curl -fs "$base/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
rss() { awk -v k="$1:" '$1 == k { print int($2 / 1024) }' /proc/$pid/status; }
heap() { curl -fs "http://127.0.0.1:$pport/debug/pprof/heap?gc=1&debug=1" | awk '$2 == "HeapInuse" { print int($4 / 1048576) }'; }
idle() {
  for _ in $(seq 600); do
    curl -fs "$base/v1/dictionary/reindex" | grep -q '"state":"running"\|"pending":[1-9]' || return 0
    sleep 0.2
  done
}
printf 'words\tVmRSS_MiB\tRssAnon_MiB\tHeapInuse_MiB\tpost_ms\n'
printf '0\t%s\t%s\t%s\t-\n' "$(rss VmRSS)" "$(rss RssAnon)" "$(heap)"
for r in $(seq 1 "$rounds"); do
  python3 - "$r" >"$tmp/words.json" <<'PY'
import json, random, sys
rnd = random.Random(int(sys.argv[1]))
words, seen = [], set()
while len(words) < 10000:
    w = "".join(chr(0x4e00 + rnd.randrange(20000)) for _ in range(4))
    if w not in seen:
        seen.add(w); words.append({"word": w})
print(json.dumps({"words": words}, ensure_ascii=False))
PY
  t=$(curl -fs -o /dev/null -w '%{time_total}' -H 'Content-Type: application/json' \
    --data-binary @"$tmp/words.json" "$base/v1/dictionary")
  idle
  h=$(heap)
  printf '%d\t%s\t%s\t%s\t%.0f\n' $((r * 10000)) "$(rss VmRSS)" "$(rss RssAnon)" "$h" "$(python3 -c "print($t*1000)")"
done
