#!/usr/bin/env bash
# The package as a user gets it: `npm pack`, then `npm install` of the
# tarball into a fresh project, which builds the addon from the bundled
# sources (no prebuilt binary, nothing downloaded: LangGraph's packages come
# from the npm cache the lock file filled), then that project's graph runs
# in two processes, resuming from the store.
# Usage: package_install_test.sh   (from anywhere; needs bindings/node/node_modules)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cd "$here"
tarball=$(npm pack --silent --pack-destination "$tmp" | tail -n 1)
[ -f "$tmp/$tarball" ] || fail "npm pack made no tarball"
tar tzf "$tmp/$tarball" > "$tmp/contents.txt"
grep -q "^package/deltackpt/src/delta_checkpointer.cpp$" "$tmp/contents.txt" || fail "the tarball lacks the library's sources"
if grep -E "\.node$|node_modules/|\.db$" "$tmp/contents.txt"; then fail "the tarball holds a binary, node_modules or a database"; fi

# The versions the lock file pins, so the install resolves from the cache.
pin() { node -p "require('./package-lock.json').packages['node_modules/$1'].version"; }
langgraph="@langchain/langgraph@$(pin @langchain/langgraph)"
core="@langchain/core@$(pin @langchain/core)"
checkpoint="@langchain/langgraph-checkpoint@$(pin @langchain/langgraph-checkpoint)"

mkdir "$tmp/app"
cd "$tmp/app"
echo '{"name": "app", "version": "1.0.0", "private": true, "type": "module"}' > package.json
# ccache keys on paths relative to this directory, so a rerun reuses objects.
CCACHE_BASEDIR="$tmp" CCACHE_NOHASHDIR=true \
  npm install --prefer-offline --no-audit --no-fund --loglevel=error \
  "$tmp/$tarball" "$langgraph" "$core" "$checkpoint" > "$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log" >&2; fail "npm install of the tarball failed"; }
addon=node_modules/deltackpt-langgraph/build/deltackpt.node
[ -f "$addon" ] || fail "the install built no addon"
if ldd "$addon" | grep -q libdeltackpt; then fail "the addon needs a separately installed libdeltackpt"; fi

cat > agent.mjs <<'JS'
// The README's example: a graph that counts, resumed in a second process.
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { DeltackptSaver } from "deltackpt-langgraph";

const State = Annotation.Root({ log: Annotation({ reducer: (a, b) => a.concat(b), default: () => [] }) });
const graph = (checkpointer) =>
  new StateGraph(State)
    .addNode("step", (s) => ({ log: [`step ${s.log.length}`] }))
    .addEdge(START, "step")
    .addEdge("step", END)
    .compile({ checkpointer });

const saver = await DeltackptSaver.open(process.argv[2], { fullSnapshotInterval: 20 });
const config = { configurable: { thread_id: "demo" } };
await graph(saver).invoke({ log: [] }, config);
const state = await graph(saver).getState(config);
console.log(JSON.stringify(state.values.log));
await saver.close();
JS
first=$(node agent.mjs "sqlite:$tmp/agent.db")
second=$(node agent.mjs "sqlite:$tmp/agent.db")
[ "$first" == '["step 0"]' ] || fail "first run: $first"
[ "$second" == '["step 0","step 1"]' ] || fail "second run did not resume: $second"
echo "package_install_test: $tarball installed, built its addon, and ran a graph that resumed"
