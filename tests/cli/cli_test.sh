#!/usr/bin/env bash
# End-to-end tests of the deltackpt command-line tool on real SQLite files,
# checked with Debian's sqlite3 shell.
# Usage: cli_test.sh DELTACKPT DELTACKPT_WORKLOAD MIGRATIONS_DIR SQLITE_EXTENSION|none
set -euo pipefail
cli=$1
workload=$2
migrations=$3
extension=${4%.so}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
passed=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { passed=$((passed + 1)); }
# expect_exit CODE CMD...: runs CMD, checks its exit code, keeps its output in $out.
expect_exit() {
  local want=$1; shift
  set +e
  out=$("$@" 2>"$tmp/stderr")
  local got=$?
  set -e
  err=$(cat "$tmp/stderr")
  if [ "$got" -ne "$want" ]; then fail "exit $got (wanted $want): $* -- $err"; else ok; fi
}
expect_contains() {  # expect_contains TEXT NEEDLE WHAT
  if [[ "$1" == *"$2"* ]]; then ok; else fail "$3: no '$2' in: $1"; fi
}

db=$tmp/agent.db
"$workload" chat --steps 60 > "$tmp/chat.jsonl"
"$workload" plan_edit --steps 40 --seed 3 > "$tmp/plan.jsonl"

# Usage errors exit 2, help exits 0.
expect_exit 0 "$cli" --help
expect_exit 2 "$cli"
expect_exit 2 "$cli" frobnicate
expect_exit 2 "$cli" list "$db" --writes
expect_exit 2 "$cli" prune "$db" --thread t
expect_exit 0 "$cli" ingest --help
expect_contains "$out" "--interval" "ingest --help"

# ingest, then every step shows back byte for byte.
expect_exit 0 "$cli" ingest "$db" --thread chat --jsonl "$tmp/chat.jsonl" --interval 20
expect_contains "$out" "saved 60 checkpoints" "ingest summary"
expect_exit 0 "$cli" ingest "$db" --thread plan --jsonl - < "$tmp/plan.jsonl"
for step in 0 1 19 20 21 39 59; do
  expect_exit 0 "$cli" show "$db" --thread chat --step $step --compact
  if [ "$out" == "$(sed -n "$((step + 1))p" "$tmp/chat.jsonl")" ]; then ok; else fail "show step $step differs"; fi
done
expect_exit 0 "$cli" show "$db" --thread plan --compact
[ "$out" == "$(tail -n 1 "$tmp/plan.jsonl")" ] && ok || fail "show latest plan differs"
expect_exit 1 "$cli" show "$db" --thread chat --step 999
expect_contains "$err" "not_found" "show unknown step"
expect_exit 0 "$cli" show "$db" --thread chat --step 1 --raw
python3 -c 'import json,sys; r=json.load(sys.stdin); assert r["kind"] == "delta" and r["step"] == 1 and r["payload"]["v"] == 1, r' <<< "$out" && ok || fail "show --raw"

# threads, list, stats, verify, with --json parsed by python.
expect_exit 0 "$cli" threads "$db" --json
[ "$(python3 -c 'import json,sys; print(sorted(t["thread_id"] for t in json.load(sys.stdin)))' <<< "$out")" == "['chat', 'plan']" ] && ok || fail "threads --json"
expect_exit 0 "$cli" list "$db" --thread chat --limit 3 --json
[ "$(python3 -c 'import json,sys; print([c["step"] for c in json.load(sys.stdin)])' <<< "$out")" == "[59, 58, 57]" ] && ok || fail "list --json"
# The same document the C API returns: thread_id, and null for no parent.
expect_exit 0 "$cli" list "$db" --thread chat --json
python3 -c '
import json, sys
rows = json.load(sys.stdin)
assert all(r["thread_id"] == "chat" for r in rows), rows[0]
assert rows[-1]["step"] == 0 and rows[-1]["parent_id"] is None, rows[-1]
assert rows[0]["parent_id"] == rows[1]["checkpoint_id"], rows[:2]
' <<< "$out" && ok || fail "list --json fields"
# Namespaces, lists across threads and namespaces, --before, --filter,
# --with-states, show --ns and --writes.
"$workload" chat --steps 5 --seed 9 > "$tmp/sub.jsonl"
expect_exit 0 "$cli" ingest "$db" --thread chat --ns "tools:1|search:2" --jsonl "$tmp/sub.jsonl"
expect_exit 0 "$cli" show "$db" --thread chat --ns "tools:1|search:2" --compact
[ "$out" == "$(tail -n 1 "$tmp/sub.jsonl")" ] && ok || fail "show --ns"
expect_exit 0 "$cli" show "$db" --thread chat --compact
[ "$out" == "$(tail -n 1 "$tmp/chat.jsonl")" ] && ok || fail "root namespace unchanged by a subgraph's saves"
expect_exit 0 "$cli" list "$db" --json
[ "$(python3 -c 'import json,sys; r=json.load(sys.stdin); print(len(r), sorted({(c["thread_id"], c["checkpoint_ns"]) for c in r}))' <<< "$out")" == "105 [('chat', ''), ('chat', 'tools:1|search:2'), ('plan', '')]" ] && ok || fail "list across threads and namespaces"
expect_exit 0 "$cli" list "$db" --thread chat --ns "" --json
[ "$(python3 -c 'import json,sys; r=json.load(sys.stdin); print(len(r), {c["checkpoint_ns"] for c in r})' <<< "$out")" == "60 {''}" ] && ok || fail "list --ns root"
expect_exit 0 "$cli" list "$db" --thread chat
expect_contains "$out" "tools:1|search:2" "list table shows namespaces"
before=$(sqlite3 "$db" "SELECT checkpoint_id FROM checkpoints WHERE thread_id = 'chat' AND checkpoint_ns = '' AND step = 10")
expect_exit 0 "$cli" list "$db" --thread chat --ns "" --before "$before" --limit 2 --json
[ "$(python3 -c 'import json,sys; print([c["step"] for c in json.load(sys.stdin)])' <<< "$out")" == "[9, 8]" ] && ok || fail "list --before"
sqlite3 "$db" "UPDATE checkpoints SET metadata = '{\"source\":\"loop\",\"writes\":{\"a\":1}}' WHERE thread_id = 'plan' AND step IN (3, 7)"
expect_exit 0 "$cli" list "$db" --filter source=loop --filter 'writes={"a":1}' --json
[ "$(python3 -c 'import json,sys; print([(c["thread_id"], c["step"]) for c in json.load(sys.stdin)])' <<< "$out")" == "[('plan', 7), ('plan', 3)]" ] && ok || fail "list --filter"
expect_exit 0 "$cli" list "$db" --filter 'writes={"a":1.0}' --json
[ "$out" == "[]" ] && ok || fail "list --filter compares numbers exactly"
expect_exit 2 "$cli" list "$db" --filter nokey
expect_exit 0 "$cli" list "$db" --thread chat --ns "" --order checkpoint_id --before "$before" --limit 2 --json
[ "$(python3 -c 'import json,sys; print([c["step"] for c in json.load(sys.stdin)])' <<< "$out")" == "[9, 8]" ] && ok || fail "list --order checkpoint_id (ids made in time order)"
expect_exit 2 "$cli" list "$db" --order newest
expect_exit 0 "$cli" list "$db" --thread chat --ns "" --limit 3 --with-states --writes
python3 -c '
import json, sys
rows = json.load(sys.stdin)
want = [json.loads(l) for l in open(sys.argv[1])][-3:][::-1]
assert [r["state"] for r in rows] == want, "states differ"
assert all(r["writes"] == [] for r in rows), rows[0]["writes"]
' "$tmp/chat.jsonl" <<< "$out" && ok || fail "list --with-states"
expect_exit 0 "$cli" show "$db" --thread chat --writes
python3 -c 'import json,sys; r=json.load(sys.stdin); assert r["step"] == 59 and r["writes"] == [] and "state" in r, r.keys()' <<< "$out" && ok || fail "show --writes"
expect_exit 0 "$cli" prune "$db" --thread chat --ns "tools:1|search:2" --keep-last 2
expect_contains "$out" "removed 3 checkpoints" "prune --ns"
expect_exit 0 "$cli" stats "$db" --thread chat --json
[ "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["total"]["checkpoints"])' <<< "$out")" == 62 ] && ok || fail "stats across namespaces"

expect_exit 0 "$cli" stats "$db" --thread chat --json
ratio=$(python3 -c 'import json,sys; print(int(json.load(sys.stdin)["total"]["ratio"]))' <<< "$out")
[ "$ratio" -ge 5 ] && ok || fail "chat ratio $ratio < 5"
expect_exit 0 "$cli" verify "$db"
expect_contains "$out" "ok: 102 checkpoints in 2 threads" "verify ok"

# A flipped payload byte: verify exits 1 naming that checkpoint and the ones after it.
bad=$(sqlite3 "$db" "SELECT checkpoint_id FROM checkpoints WHERE thread_id = 'chat' AND step = 30")
sqlite3 "$db" "UPDATE checkpoints SET payload = replace(payload, 'content', 'cOntent') WHERE checkpoint_id = '$bad'"
expect_exit 1 "$cli" verify "$db"
expect_contains "$out" "BAD $bad" "verify names the bad row"
expect_exit 1 "$cli" show "$db" --checkpoint "$bad"
expect_contains "$err" "corruption" "show corrupt row"
expect_contains "$err" "$bad" "show corrupt row names it"
expect_exit 0 "$cli" show "$db" --thread plan --compact  # the rest of the store still works
expect_exit 0 "$cli" verify "$db" --thread plan

# repair, on a copy: the damaged row and every row whose chain passes
# through it go to the quarantine, kept byte for byte; the thread then
# compacts, prunes and takes saves again.
rdb="$tmp/repair.db"
sqlite3 "$db" ".backup '$rdb'"
expect_exit 1 "$cli" compact "$rdb" --thread chat
expect_contains "$err" "deltackpt repair" "a corruption error points at repair"
expect_exit 1 "$cli" verify "$rdb" --json
bad_ids=$(python3 -c 'import json,sys; print(" ".join(sorted(p["checkpoint_id"] for p in json.load(sys.stdin)["problems"])))' <<< "$out")
rows_before=$(sqlite3 "$rdb" "SELECT count(*) FROM checkpoints")
expect_exit 0 "$cli" repair "$rdb" --dry-run --json
[ "$(python3 -c 'import json,sys; print(" ".join(sorted(q["checkpoint_id"] for q in json.load(sys.stdin)["quarantined"])))' <<< "$out")" == "$bad_ids" ] \
  && ok || fail "repair --dry-run lists what verify reports"
[ "$(sqlite3 "$rdb" "SELECT count(*) FROM checkpoints")" == "$rows_before" ] && ok || fail "repair --dry-run changed rows"
damaged_payload=$(sqlite3 "$rdb" "SELECT hex(payload) FROM checkpoints WHERE checkpoint_id = '$bad'")
expect_exit 0 "$cli" repair "$rdb"
expect_contains "$out" "quarantined $bad (thread chat)" "repair names the bad row"
[ "$(sqlite3 "$rdb" "SELECT group_concat(checkpoint_id, ' ') FROM (SELECT checkpoint_id FROM quarantined_checkpoints ORDER BY checkpoint_id)")" == "$bad_ids" ] \
  && ok || fail "quarantined rows are what verify reported"
[ "$(sqlite3 "$rdb" "SELECT hex(payload) FROM quarantined_checkpoints WHERE checkpoint_id = '$bad' AND reason LIKE '%checksum%'")" == "$damaged_payload" ] \
  && ok || fail "the quarantine keeps the damaged payload and why"
[ "$(sqlite3 "$rdb" "SELECT count(*) FROM checkpoints")" == "$((rows_before - $(wc -w <<< "$bad_ids")))" ] && ok || fail "repair moved other rows"
expect_exit 0 "$cli" verify "$rdb"
expect_exit 0 "$cli" compact "$rdb" --thread chat
expect_exit 0 "$cli" prune "$rdb" --thread chat --ns "" --keep-last 5
sed -n 60p "$tmp/chat.jsonl" > "$tmp/one.jsonl"
expect_exit 0 "$cli" ingest "$rdb" --thread chat --jsonl "$tmp/one.jsonl"
expect_exit 0 "$cli" show "$rdb" --thread chat --compact
[ "$out" == "$(cat "$tmp/one.jsonl")" ] && ok || fail "a save after repair"
expect_exit 0 "$cli" verify "$rdb"
expect_exit 0 "$cli" repair "$rdb"
expect_contains "$out" "0 quarantined" "repair of a sound store moves nothing"

# Bad JSONL: the line number, and nothing saved; --continue skips it.
printf '{"a":1}\n{"a":2}\nnot json\n{"a":4}\n' > "$tmp/bad.jsonl"
expect_exit 1 "$cli" ingest "$db" --thread bad --jsonl "$tmp/bad.jsonl"
expect_contains "$err" "line 3" "bad line number"
[ "$(sqlite3 "$db" "SELECT count(*) FROM checkpoints WHERE thread_id = 'bad'")" == 0 ] && ok || fail "half-ingested"
expect_exit 0 "$cli" ingest "$db" --thread bad --jsonl "$tmp/bad.jsonl" --continue
[ "$(sqlite3 "$db" "SELECT group_concat(step) FROM checkpoints WHERE thread_id = 'bad'")" == "0,1,3" ] && ok || fail "--continue steps"
# Lines a save would refuse, or change without a word, are found before
# anything is saved: too deep, an integer beyond 64 bits, a repeated key,
# not an object (the size limit is check_state's, in json_parse_test).
python3 - "$tmp/worse.jsonl" <<'PY'
import sys
lines = ['{"a":1}', '{"a":' + '[' * 200 + ']' * 200 + '}', '{"n":123456789012345678901234567890}',
         '{"n":-9223372036854775809}', '{"d":1,"d":2}', '[1,2]', '{"a":4}']
open(sys.argv[1], 'w').write('\n'.join(lines) + '\n')
PY
expect_exit 1 "$cli" ingest "$db" --thread worse --jsonl "$tmp/worse.jsonl"
expect_contains "$err" "line 2: at \"/a/0/0/" "deep line: number and path"
expect_contains "$err" "deeper than 128" "deep line: why"
[ "${#err}" -lt 300 ] && ok || fail "the deep line's error is ${#err} characters"
[ "$(sqlite3 "$db" "SELECT count(*) FROM checkpoints WHERE thread_id = 'worse'")" == 0 ] && ok || fail "worse: half-ingested"
expect_exit 0 "$cli" ingest "$db" --thread worse --jsonl "$tmp/worse.jsonl" --continue --json
python3 -c 'import json,sys; r=json.load(sys.stdin); assert r["saved"] == 2 and r["skipped_lines"] == [2,3,4,5,6], r' <<< "$out" \
  && ok || fail "--continue skips every kind of bad line"
expect_contains "$err" "line 3: at \"/n\": integer 123456789012345678901234567890 does not fit in 64 bits" "big integer"
expect_contains "$err" "line 4: at \"/n\": integer -9223372036854775809" "negative big integer"
expect_contains "$err" "line 5: at \"/d\": key \"d\" appears twice" "repeated key"

# prune keeps the newest and everything they need.
expect_exit 0 "$cli" prune "$db" --thread plan --keep-last 7 --json
python3 -c 'import json,sys; r=json.load(sys.stdin); assert r["removed"] == 33 and r["rewritten"] >= 0, r' <<< "$out" && ok || fail "prune --json"
expect_exit 0 "$cli" prune "$db" --thread plan --keep-last 7
expect_contains "$out" "removed 0" "prune again removes nothing"
expect_exit 0 "$cli" verify "$db" --thread plan
expect_exit 0 "$cli" show "$db" --thread plan --step 33 --compact
[ "$out" == "$(sed -n 34p "$tmp/plan.jsonl")" ] && ok || fail "pruned thread step 33"
expect_exit 1 "$cli" show "$db" --thread plan --step 32
expect_exit 2 "$cli" prune "$db" --thread plan --max-age soon
expect_exit 2 "$cli" prune "$db" --thread plan --max-age 3x
# Out-of-range numbers are usage errors, never wrapped or clamped: these
# ages once overflowed and pruned all but the newest checkpoint.
for age in 9223372036854775s 15250284452w 2562047788015215h -5s +5s 5; do
  expect_exit 2 "$cli" prune "$db" --thread plan --max-age "$age"
done
expect_contains "$err" '"5"' "--max-age error quotes the value"
expect_exit 0 "$cli" prune "$db" --thread plan --max-age 15250284w  # the widest age: keeps everything
expect_contains "$out" "removed 0" "prune with the widest age"
[ "$(sqlite3 "$db" "SELECT count(*) FROM checkpoints WHERE thread_id = 'plan'")" == 7 ] && ok || fail "widest age kept rows"
expect_exit 2 "$cli" prune "$db" --thread plan --keep-last -1
expect_exit 2 "$cli" list "$db" --limit -1
expect_exit 2 "$cli" show "$db" --thread plan --step 99999999999999999999
expect_contains "$err" "99999999999999999999" "--step error quotes the value"
expect_exit 2 "$cli" ingest "$db" --thread n --jsonl "$tmp/plan.jsonl" --interval 0
[ "$(sqlite3 "$db" "SELECT count(*) FROM checkpoints WHERE thread_id = 'n'")" == 0 ] && ok || fail "--interval 0 saved"
expect_exit 2 "$cli" migrate "$db" --to -1

# compact: to full rows and back, states unchanged.
db2=$tmp/compact.db
expect_exit 0 "$cli" ingest "$db2" --thread plan --jsonl "$tmp/plan.jsonl" --full-only
[ "$(sqlite3 "$db2" "SELECT count(*) FROM checkpoints WHERE kind = 'delta'")" == 0 ] && ok || fail "--full-only"
expect_exit 0 "$cli" compact "$db2" --interval 10
[ "$(sqlite3 "$db2" "SELECT count(*) FROM checkpoints WHERE kind = 'full'")" == 4 ] && ok || fail "compact to deltas"
expect_exit 0 "$cli" verify "$db2"
expect_exit 0 "$cli" show "$db2" --thread plan --step 25 --compact
[ "$out" == "$(sed -n 26p "$tmp/plan.jsonl")" ] && ok || fail "compacted state"
expect_exit 0 "$cli" compact "$db2" --full-only
[ "$(sqlite3 "$db2" "SELECT count(*) FROM checkpoints WHERE kind = 'delta'")" == 0 ] && ok || fail "compact to full"
expect_exit 0 "$cli" verify "$db2"

# lz4 payloads: smaller, still verified and shown exactly.
db3=$tmp/lz4.db
expect_exit 0 "$cli" ingest "$db3" --thread chat --jsonl "$tmp/chat.jsonl" --encoding lz4
[ "$(sqlite3 "$db3" "SELECT DISTINCT encoding FROM checkpoints")" == lz4 ] && ok || fail "lz4 encoding column"
expect_exit 0 "$cli" show "$db3" --thread chat --step 44 --compact
[ "$out" == "$(sed -n 45p "$tmp/chat.jsonl")" ] && ok || fail "lz4 state"
expect_exit 0 "$cli" verify "$db3"

# compact --encoding: to zstd (deltas against their full row) and back to
# deltas a person can read; states shown exactly after each.
expect_exit 0 "$cli" compact "$db3" --encoding zstd
[ "$(sqlite3 "$db3" "SELECT DISTINCT encoding FROM checkpoints WHERE kind = 'delta' ORDER BY 1")" == "$(printf 'json\nzstd-chain')" ] \
  || [ "$(sqlite3 "$db3" "SELECT DISTINCT encoding FROM checkpoints WHERE kind = 'delta'")" == zstd-chain ] && ok || fail "compact to zstd"
expect_exit 0 "$cli" show "$db3" --thread chat --step 44 --compact
[ "$out" == "$(sed -n 45p "$tmp/chat.jsonl")" ] && ok || fail "zstd state"
# The sqlite3 extension on those compressed rows: a state rebuilt in the
# shell is the very text ingested, every payload reads as JSON, an unknown id
# is NULL, and a damaged row fails naming its checkpoint.
if [ "$extension" != none ]; then
  expect_exit 0 sqlite3 "$db3" -cmd ".load $extension" \
    "SELECT deltackpt_state(checkpoint_id) FROM checkpoints WHERE thread_id = 'chat' AND step = 44"
  [ "$out" == "$(sed -n 45p "$tmp/chat.jsonl")" ] && ok || fail "deltackpt_state"
  expect_exit 0 sqlite3 "$db3" -cmd ".load $extension" \
    "SELECT count(*) = sum(json_valid(deltackpt_payload(checkpoint_id))), deltackpt_state('no such id') IS NULL FROM checkpoints"
  [ "$out" == "1|1" ] && ok || fail "deltackpt_payload: $out"
  cp "$db3" "$tmp/damaged.db"
  damaged_id=$(sqlite3 "$tmp/damaged.db" "SELECT checkpoint_id FROM checkpoints WHERE thread_id = 'chat' AND step = 30")
  sqlite3 "$tmp/damaged.db" "UPDATE checkpoints SET payload = CAST('x' AS BLOB) || substr(payload, 2) WHERE checkpoint_id = '$damaged_id'"
  expect_exit 1 sqlite3 "$tmp/damaged.db" -cmd ".load $extension" \
    "SELECT deltackpt_state(checkpoint_id) FROM checkpoints WHERE thread_id = 'chat' AND step = 30"
  expect_contains "$err" "checkpoint $damaged_id" "damaged row through the extension"
else
  echo "cli_test: no sqlite3 extension in this build (a sanitizer build): its checks were not run"
fi
expect_exit 0 "$cli" compact "$db3" --encoding zstd-full-rows
[ "$(sqlite3 "$db3" "SELECT DISTINCT encoding FROM checkpoints WHERE kind = 'delta'")" == json ] && ok || fail "compact to zstd-full-rows"
[ "$(sqlite3 "$db3" "SELECT count(*) FROM checkpoints WHERE kind = 'delta' AND NOT json_valid(payload)")" == 0 ] && ok || fail "deltas readable"
expect_exit 0 "$cli" show "$db3" --thread chat --step 44 --compact
[ "$out" == "$(sed -n 45p "$tmp/chat.jsonl")" ] && ok || fail "zstd-full-rows state"
expect_exit 0 "$cli" verify "$db3"

# Numbers at the edges of JSON flipping kind and value (2^64-1 and -1, 1 and
# 1.0, 0.0 and -0.0, ...): every step of a 300-step run reads back as the
# very text ingested, stored as deltas, and the store verifies.
"$workload" number_flip --steps 300 > "$tmp/numbers.jsonl"
mapfile -t number_states < "$tmp/numbers.jsonl"
for encoding in json lz4; do
  dbn=$tmp/numbers-$encoding.db
  expect_exit 0 "$cli" ingest "$dbn" --thread numbers --jsonl "$tmp/numbers.jsonl" --encoding $encoding --interval 50 --json
  refused=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["saves"]["deltas_refused"])' <<< "$out")
  [ "$refused" == 0 ] && ok || fail "numbers ($encoding): $refused deltas refused by the save check"
  expect_exit 0 "$cli" verify "$dbn"
  deltas=$(sqlite3 "$dbn" "SELECT count(*) FROM checkpoints WHERE kind = 'delta'")
  [ "$deltas" -gt 200 ] && ok || fail "numbers ($encoding): only $deltas deltas"
  differing=0
  every=1
  [ "$encoding" == lz4 ] && every=7  # the same rows, compressed: a sample
  for step in $(seq 0 "$every" 299); do
    shown=$("$cli" show "$dbn" --thread numbers --step "$step" --compact) || shown="(failed)"
    [ "$shown" == "${number_states[$step]}" ] || differing=$((differing + 1))
  done
  [ "$differing" -eq 0 ] && ok || fail "numbers ($encoding): $differing of 300 steps differ"
done

# Migrations: status, a database made by hand with version 1 upgraded by the
# library, a changed migration and a newer schema refused.
latest=$(find "$migrations" -name '*.up.sql' | wc -l)
expect_exit 0 "$cli" migrate "$db" --status --json
[ "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["database_version"], d["library_version"])' <<< "$out")" == "$latest $latest" ] && ok || fail "migrate --status"
# Version 1 and 2 stores made by their own migration files, with rows as
# those versions stored them (every column but checkpoint_ns).
v1_columns="seq, thread_id, checkpoint_id, parent_id, step, kind, base_id, depth, created_at, metadata, pending_nodes, encoding, payload_size, state_size, checksum, payload"
v1=$tmp/v1.db
sqlite3 "$v1" < "$migrations/0001_initial.up.sql"
sqlite3 "$v1" "ATTACH '$db3' AS src; INSERT INTO checkpoints SELECT $v1_columns FROM src.checkpoints; INSERT INTO threads SELECT thread_id, head_id, created_at, updated_at FROM src.threads; UPDATE deltackpt_settings SET value = 'lz4';"
v2=$tmp/v2.db
cp "$v1" "$v2"
sqlite3 "$v2" < "$migrations/0002_inspection_views.up.sql"
expect_exit 0 "$cli" migrate "$v1" --status
expect_contains "$out" "schema at version 1" "hand-made v1"
expect_exit 0 "$cli" migrate "$v1" --to 1
expect_exit 1 "$cli" migrate "$v1" --to $((latest + 1))
expect_exit 1 "$cli" verify "$v1"  # reading never migrates: it says what to run
expect_contains "$err" "run \`deltackpt migrate" "verify on a version 1 store"
[ "$(sqlite3 "$v1" "SELECT max(version) FROM deltackpt_migrations")" == 1 ] && ok || fail "verify migrated"
expect_exit 0 "$cli" migrate "$v1"
expect_exit 0 "$cli" verify "$v1"
[ "$(sqlite3 "$v1" "SELECT count(*) FROM deltackpt_migrations WHERE checksum IS NOT NULL")" == "$latest" ] && ok || fail "checksums recorded"
# 0002 -> 0003 on a real version 2 file: every state, head and thread as it
# was, in the root namespace, and the new tables usable.
expect_exit 0 "$cli" migrate "$v2" --status
expect_contains "$out" "schema at version 2" "hand-made v2"
v2_states=$(for step in 0 13 29 59; do "$cli" show "$db3" --thread chat --step $step --compact; done)
expect_exit 0 "$cli" migrate "$v2"
expect_contains "$out" "schema at version $latest" "v2 migrated"
expect_exit 0 "$cli" verify "$v2"
[ "$(for step in 0 13 29 59; do "$cli" show "$v2" --thread chat --step $step --compact; done)" == "$v2_states" ] && ok || fail "states after 0002 -> 0003"
[ "$(sqlite3 "$v2" "SELECT count(*), count(DISTINCT checkpoint_ns), max(checkpoint_ns) FROM checkpoints")" == "$(sqlite3 "$db3" "SELECT count(*) FROM checkpoints")|1|" ] && ok || fail "rows in the root namespace after 0002 -> 0003"
[ "$(sqlite3 "$v2" "SELECT thread_id, checkpoint_ns, head_id FROM threads ORDER BY 1")" == "$(sqlite3 "$db3" "SELECT thread_id, '', head_id FROM threads ORDER BY 1")" ] && ok || fail "heads after 0002 -> 0003"
expect_exit 0 "$cli" ingest "$v2" --thread chat --ns sub --jsonl "$tmp/sub.jsonl"
expect_exit 0 "$cli" verify "$v2"
[ "$(sqlite3 "$v1" "SELECT checkpoints FROM thread_summary WHERE thread_id = 'chat'")" == 60 ] && ok || fail "view after upgrade"
expect_exit 1 "$cli" migrate "$v1" --to 1
sqlite3 "$v1" "UPDATE deltackpt_migrations SET checksum = '0000000000000000' WHERE version = 2"
expect_exit 1 "$cli" list "$v1" --thread chat
expect_contains "$err" "schema" "changed migration refused"
sqlite3 "$v1" "UPDATE deltackpt_migrations SET checksum = NULL WHERE version = 2; INSERT INTO deltackpt_migrations VALUES (99, 'future', NULL, '2030-01-01')"
expect_exit 1 "$cli" list "$v1" --thread chat
expect_contains "$err" "newer" "newer schema refused"

# import-adk: a graph_checkpoints table as adk-graph writes it, including
# rows of its own DeltaCheckpointer.
adk=$tmp/adk.db
sqlite3 "$adk" <<'SQL'
CREATE TABLE graph_checkpoints (id TEXT PRIMARY KEY, thread_id TEXT NOT NULL, state TEXT NOT NULL,
  step INTEGER NOT NULL, pending_nodes TEXT NOT NULL, metadata TEXT, created_at TEXT NOT NULL,
  cleared_interrupt TEXT, attempts TEXT, child_ledger TEXT);
INSERT INTO graph_checkpoints VALUES
 ('a0', 'run-1', '{"messages":["hi"],"n":0}', 0, '["agent"]', '{"source":"input","__delta_ckpt_type":"full"}', '2025-03-01T10:00:00.000001+00:00', NULL, '{}', '{}'),
 ('a1', 'run-1', '{}', 1, '["tools"]', '{"__delta_ckpt_type":"delta","__delta_ckpt_base_id":"a0","__delta_ckpt_payload":{"added":{"x":true},"removed":[],"modified":{"messages":["hi","yo"],"n":1}}}', '2025-03-01T10:00:01.5+00:00', 'approve', '{"agent":2}', '{}'),
 ('a2', 'run-1', '{"messages":["hi","yo","ok"],"n":2}', 2, '[]', '{}', '2025-03-01T12:00:02+02:00', NULL, '{}', '{}'),
 ('b0', 'run-2', '{"plan":[1,2,3]}', 0, '[]', NULL, '2025-03-02T09:00:00Z', NULL, NULL, NULL);
SQL
dst=$tmp/imported.db
expect_exit 0 "$cli" import-adk "$adk" "$dst"
expect_contains "$out" "imported 4 checkpoints of 2 threads" "import summary"
expect_exit 0 "$cli" show "$dst" --checkpoint a1 --compact
[ "$out" == '{"messages":["hi","yo"],"n":1,"x":true}' ] && ok || fail "adk delta row rebuilt: $out"
expect_exit 0 "$cli" list "$dst" --thread run-1 --json
python3 - "$out" <<'PY' && ok || fail "imported headers"
import json, sys
rows = json.loads(sys.argv[1])
assert [r["checkpoint_id"] for r in rows] == ["a2", "a1", "a0"], rows
assert rows[1]["parent_id"] == "a0" and rows[1]["step"] == 1
assert rows[1]["metadata"] == {"adk": {"cleared_interrupt": "approve", "attempts": {"agent": 2}}}, rows[1]
assert rows[2]["metadata"] == {"source": "input"}, rows[2]
assert rows[1]["pending_nodes"] == ["tools"]
assert rows[0]["created_at"] == "2025-03-01T10:00:02.000000Z", rows[0]["created_at"]
PY
expect_exit 0 "$cli" verify "$dst"
expect_exit 1 "$cli" import-adk "$db" "$tmp/x.db"
expect_contains "$err" "graph_checkpoints" "not an adk store"
expect_exit 1 "$cli" import-adk "$adk" "$adk"
expect_contains "$err" "is the source file" "import into its own source"
# Times are read as times ("...:05.5Z" sorts before "...:05Z" as text), and
# a delta applies to the row its base id names: adk-graph re-runs step 1
# after step 2, against step 0.
adk2=$tmp/adk2.db
sqlite3 "$adk2" <<'SQL'
CREATE TABLE graph_checkpoints (id TEXT PRIMARY KEY, thread_id TEXT NOT NULL, state TEXT NOT NULL,
  step INTEGER NOT NULL, pending_nodes TEXT NOT NULL, metadata TEXT, created_at TEXT NOT NULL);
INSERT INTO graph_checkpoints VALUES
 ('r0', 'rerun', '{"n":0,"log":["start"]}', 0, '[]', '{"__delta_ckpt_type":"full"}', '2025-03-01T10:00:05Z'),
 ('r1', 'rerun', '{}', 1, '[]', '{"__delta_ckpt_type":"delta","__delta_ckpt_base_id":"r0","__delta_ckpt_payload":{"modified":{"n":1}}}', '2025-03-01T10:00:05.5Z'),
 ('r2', 'rerun', '{}', 2, '[]', '{"__delta_ckpt_type":"delta","__delta_ckpt_base_id":"r1","__delta_ckpt_payload":{"modified":{"n":2},"added":{"x":1}}}', '2025-03-01T10:00:06Z'),
 ('r1b', 'rerun', '{}', 1, '[]', '{"__delta_ckpt_type":"delta","__delta_ckpt_base_id":"r0","__delta_ckpt_payload":{"modified":{"log":["start","again"]}}}', '2025-03-01T10:00:06.25Z'),
 ('g0', 'good', '{"a":1}', 0, '[]', '{}', '2025-03-01T09:00:00Z'),
 ('z0', 'zbad', '{"z":1}', 0, '[]', '{}', '2025-03-01T09:00:00Z'),
 ('z1', 'zbad', '{}', 1, '[]', '{"__delta_ckpt_type":"delta","__delta_ckpt_base_id":"z0","__delta_ckpt_payload":{"removed":"v"}}', '2025-03-01T09:00:01Z');
SQL
dst2=$tmp/imported2.db
expect_exit 0 "$cli" ingest "$dst2" --thread own --jsonl - <<< '{"mine":true}'
expect_exit 1 "$cli" import-adk "$adk2" "$dst2"
expect_contains "$err" "row z1" "a malformed MapDelta names its row"
expect_contains "$err" "not an array" "removed: v"
[ "$(sqlite3 "$dst2" "SELECT count(*) FROM checkpoints WHERE thread_id = 'zbad'")" == 0 ] && ok || fail "half a thread imported"
[ "$(sqlite3 "$dst2" "SELECT count(*) FROM checkpoints WHERE thread_id IN ('good', 'rerun')")" == 5 ] && ok \
  || fail "threads before the bad one were not kept"
sqlite3 "$adk2" "UPDATE graph_checkpoints SET metadata = json_set(metadata, '$.__delta_ckpt_payload', json('{\"removed\":[\"z\"],\"added\":{\"y\":2}}')) WHERE id = 'z1'"
expect_exit 0 "$cli" import-adk "$adk2" "$dst2"
expect_contains "$out" "imported 2 checkpoints of 1 threads" "the re-run imports what is left"
expect_contains "$out" "skipped 2 threads imported before" "the re-run skips what was imported"
expect_contains "$out" "checkpoints:      2 " "the summary counts what was imported, not the store"
for pair in 'r0={"n":0,"log":["start"]}' 'r1={"n":1,"log":["start"]}' 'r2={"n":2,"log":["start"],"x":1}' \
            'r1b={"n":0,"log":["start","again"]}' 'z1={"y":2}'; do
  expect_exit 0 "$cli" show "$dst2" --checkpoint "${pair%%=*}" --compact
  [ "$out" == "${pair#*=}" ] && ok || fail "imported ${pair%%=*}: $out"
done
expect_exit 0 "$cli" list "$dst2" --thread rerun --json
python3 - "$out" <<'PY' && ok || fail "re-run lineage"
import json, sys
rows = {r["checkpoint_id"]: r for r in json.loads(sys.argv[1])}
assert rows["r1"]["parent_id"] == "r0" and rows["r2"]["parent_id"] == "r1" and rows["r1b"]["parent_id"] == "r0", rows
PY
expect_exit 0 "$cli" show "$dst2" --thread rerun --compact
[ "$out" == '{"n":0,"log":["start","again"]}' ] && ok || fail "the latest is the re-run: $out"
expect_exit 0 "$cli" verify "$dst2"
sqlite3 "$adk2" "UPDATE graph_checkpoints SET metadata = '{\"__delta_ckpt_type\":\"delta\",\"__delta_ckpt_base_id\":\"r0\"}' WHERE id = 'r2'"
expect_exit 1 "$cli" import-adk "$adk2" "$tmp/imported3.db"
expect_contains "$err" "row r2: delta row without" "a delta without payload"

# Unreadable inputs are errors, not crashes.
expect_exit 1 "$cli" list "$tmp/not-a-dir/x.db" --thread t
expect_exit 1 "$cli" list "nonsense-url" --thread t
echo "this is not sqlite" > "$tmp/garbage.db"
expect_exit 1 "$cli" list "$tmp/garbage.db" --thread t

# Small things a person meets.
expect_exit 2 "$cli" frob
expect_contains "$err" 'unknown command "frob"' "unknown command"
expect_exit 0 "$cli" --version
expect_contains "$out" "deltackpt " "--version"
for cmd in list stats verify prune compact; do
  extra=()
  [ "$cmd" == prune ] && extra=(--keep-last 1)
  expect_exit 1 "$cli" "$cmd" "$db" --thread no-such-thread "${extra[@]}"
  expect_contains "$err" "not_found" "$cmd --thread of an unknown thread"
done
mkdir "$tmp/jsonl-dir"
expect_exit 1 "$cli" ingest "$tmp/dir-ingest.db" --thread t --jsonl "$tmp/jsonl-dir"
expect_contains "$err" "is a directory" "--jsonl DIR"
expect_exit 0 "$cli" stats "$db" --thread plan
expect_contains "$out" "against full:     " "stats ratio line"
[[ "$out" != *"0.0x smaller"* && "$out" != *"1.0x smaller"* ]] && ok || fail "stats ratio wording: $out"
expect_exit 0 "$cli" ingest "$tmp/tiny.db" --thread t --jsonl - <<< '{"a":1}'
expect_contains "$out" "about the same" "a store no smaller than full rows"
# A save that fails midway (here the file size limit, as a full disk would)
# names the line and says what was saved; the store stays consistent.
python3 -c '
import json
for i in range(400): print(json.dumps({"step": i, "text": "x" * 3000 + str(i)}))' > "$tmp/big.jsonl"
set +e
out=$( (ulimit -f 600; trap "" XFSZ; exec "$cli" ingest "$tmp/full.db" --thread t --jsonl "$tmp/big.jsonl" --full-only) 2>"$tmp/stderr")
got=$?
set -e
err=$(cat "$tmp/stderr")
[ "$got" == 1 ] && ok || fail "ingest past the file size limit exited $got: $err"
expect_contains "$err" "was not saved" "the failing line"
expect_contains "$err" "were saved, none after" "what was saved"
saved=$(sed -n 's/.* \([0-9][0-9]*\) checkpoints (lines 1 to \([0-9][0-9]*\)) were saved.*/\1 \2/p' <<< "$err")
expect_exit 0 "$cli" verify "$tmp/full.db"
[ -n "$saved" ] && [ "$(sqlite3 "$tmp/full.db" "SELECT count(*) || ' ' || (max(step) + 1) FROM checkpoints")" == "$saved" ] \
  && ok || fail "the error's count ($saved) is not what the store holds"

# Reading commands create, migrate and write nothing.
for cmd in threads list stats verify; do
  expect_exit 1 "$cli" "$cmd" "$tmp/typo.db"
  expect_contains "$err" "no database at" "$cmd on a missing file"
done
expect_exit 1 "$cli" show "$tmp/typo.db" --thread t
expect_exit 1 "$cli" migrate "$tmp/typo.db" --status
[ ! -e "$tmp/typo.db" ] && ok || fail "a reading command created the file"
sqlite3 "$tmp/other.db" "CREATE TABLE app (x); INSERT INTO app VALUES (1);"
before=$(sha256sum < "$tmp/other.db")
expect_exit 1 "$cli" stats "$tmp/other.db"
expect_contains "$err" "is not a deltackpt store" "stats on another application's file"
[ "$(sha256sum < "$tmp/other.db")" == "$before" ] && ok || fail "stats changed another application's file"
[ "$(sqlite3 "$tmp/other.db" "PRAGMA journal_mode")" == "delete" ] && ok || fail "stats switched it to WAL"
expect_exit 0 "$cli" migrate "$tmp/old.db" --to 1
expect_exit 1 "$cli" stats "$tmp/old.db"
expect_contains "$err" "run \`deltackpt migrate" "stats on an old schema"
expect_exit 0 "$cli" migrate "$tmp/old.db" --status --json
python3 -c 'import json,sys; assert json.load(sys.stdin)["database_version"] == 1' <<< "$out" && ok || fail "stats migrated"
mkdir "$tmp/dir.db"
expect_exit 1 "$cli" show "$tmp/dir.db" --thread t
expect_contains "$err" "is a directory" "a directory as the store"
expect_exit 1 "$cli" stats "$db" --encoding zstd
# A WAL store in a directory nobody may write (file 444, directory 555),
# read by another user when these tests run as root.
mkdir "$tmp/ro"
cp "$db" "$tmp/ro/agent.db"
[ "$(sqlite3 "$tmp/ro/agent.db" "PRAGMA journal_mode")" == "wal" ] && ok || fail "the copy is not in WAL mode"
chmod 444 "$tmp/ro/agent.db"
chmod 555 "$tmp/ro"
as_reader=()
if [ "$(id -u)" == 0 ]; then
  chmod 755 "$tmp"
  as_reader=(runuser -u nobody --)
fi
for cmd in "show $tmp/ro/agent.db --thread plan --compact" "verify $tmp/ro/agent.db --thread plan" "stats $tmp/ro/agent.db" \
           "list $tmp/ro/agent.db --thread plan --limit 2" "threads $tmp/ro/agent.db"; do
  # shellcheck disable=SC2086
  expect_exit 0 "${as_reader[@]}" "$cli" $cmd
done
expect_exit 0 "${as_reader[@]}" "$cli" show "$tmp/ro/agent.db" --thread plan --compact
[ "$out" == "$(tail -n 1 "$tmp/plan.jsonl")" ] && ok || fail "read-only directory: latest state"
[ "$(ls "$tmp/ro")" == "agent.db" ] && ok || fail "reading left files in the read-only directory"
chmod 755 "$tmp/ro"

echo "$passed passed, $failures failed"
[ "$failures" -eq 0 ]
