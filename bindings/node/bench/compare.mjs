// The same LangGraph run (test/agent_graph.mjs: a ReAct-style tool loop of
// 220+ super-steps with a subgraph and an interrupt) stored by DeltackptSaver
// and by LangGraph's own SqliteSaver and PostgresSaver, side by side in one
// process: bytes stored, put p50/p95, latest getTuple p50 (in the process
// that put, and in one opened afresh on the store), and the ratios.
// The run is recorded once (every put and putWrites LangGraph makes, on a
// MemorySaver) and replayed on each saver call by call, so each is timed on
// the same calls and alone: a put timed inside a running graph would also
// count the graph's own work done while an asynchronous put waits.
//   node bench/compare.mjs [--pg DSN] [--json FILE]
// SqliteSaver needs better-sqlite3 built: scripts/bench-langgraph does it.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import Database from "better-sqlite3";

import { MemorySaver } from "@langchain/langgraph";

import { DeltackptSaver } from "../index.js";
import { buildGraph, runConfig, runPhase } from "../test/agent_graph.mjs";

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const dsn = option("--pg") ?? process.env.DELTACKPT_TEST_PG_DSN;
const jsonOut = option("--json");
const LATEST_READS = 200;

// Every put and putWrites of the run, in order, as LangGraph made them.
async function record() {
  const saver = new MemorySaver();
  const calls = [];
  for (const method of ["put", "putWrites"]) {
    const original = saver[method].bind(saver);
    saver[method] = async (config, ...rest) => {
      // The configurable part of the config (the rest holds callbacks);
      // values as they are (LangGraph does not change them afterwards).
      const { thread_id, checkpoint_ns, checkpoint_id } = config.configurable;
      calls.push([method, [{ configurable: { thread_id, checkpoint_ns, checkpoint_id } }, ...rest]]);
      return original(config, ...rest);
    };
  }
  await runPhase(buildGraph(saver), "bench", "start");
  await runPhase(buildGraph(saver), "bench", "resume");
  return calls;
}
const calls = await record();

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

// The latest getTuple of a saver opened afresh on the same store (a
// process restarted): the first call, and the median of those after it.
async function reopenedReads(open) {
  const saver = await open();
  let t = performance.now();
  await saver.getTuple(runConfig("bench"));
  const first = performance.now() - t;
  const reads = [];
  for (let i = 0; i < LATEST_READS; ++i) {
    t = performance.now();
    await saver.getTuple(runConfig("bench"));
    reads.push(performance.now() - t);
  }
  await (saver.close ? saver.close() : saver.end ? saver.end() : saver.db.close());
  return { first, p50: percentile(reads, 50) };
}

async function measure(name, saver, bytes, open) {
  const puts = [];
  for (const [method, a] of calls) {
    const t = performance.now();
    await saver[method](...a);
    if (method === "put") puts.push(performance.now() - t);
  }
  const reads = [];
  for (let i = 0; i < LATEST_READS; ++i) {
    const t = performance.now();
    await saver.getTuple(runConfig("bench"));
    reads.push(performance.now() - t);
  }
  const result = {
    saver: name,
    puts: puts.length,
    stored_bytes: await bytes(),
    put_p50_ms: percentile(puts, 50),
    put_p95_ms: percentile(puts, 95),
    latest_get_tuple_p50_ms: percentile(reads, 50),
  };
  const reopened = await reopenedReads(open);
  result.reopened_first_get_tuple_ms = reopened.first;
  result.reopened_get_tuple_p50_ms = reopened.p50;
  console.error(`${name}: ${JSON.stringify(result)}`);
  return result;
}

function psql(sql, db = dsn) {
  return execFileSync("psql", ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql], { encoding: "utf8" }).trim();
}

// The bytes of every relation of a schema (tables, indexes, TOAST) after VACUUM.
function schemaBytes(schema) {
  for (const table of psql(`SELECT tablename FROM pg_tables WHERE schemaname = '${schema}'`).split("\n").filter(Boolean)) {
    psql(`VACUUM FULL ${schema}."${table}"`);
  }
  return Number(psql(`SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '${schema}' AND c.relkind = 'r'`));
}

function withSearchPath(url, schema) {
  return `${url}${url.includes("?") ? "&" : "?"}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

const dir = process.env.BENCH_KEEP_DIR ?? mkdtempSync(join(tmpdir(), "deltackpt-langgraph-bench-"));
const results = [];
try {
  // SQLite: file sizes after a WAL checkpoint, so the bytes are in the file.
  const fileBytes = (path) => {
    const db = new Database(path);
    db.pragma("wal_checkpoint(TRUNCATE)");
    db.close();
    return statSync(path).size;
  };
  for (const payloadEncoding of ["json", "zstd"]) {
    const path = join(dir, `deltackpt-${payloadEncoding}.db`);
    // durability "normal" (synchronous=NORMAL), what SqliteSaver runs with:
    // better-sqlite3 builds SQLite with SQLITE_DEFAULT_WAL_SYNCHRONOUS=1 and
    // SqliteSaver opens in WAL mode, so neither syncs at every commit.
    const saver = await DeltackptSaver.open(`sqlite:${path}`, { durability: "normal", payloadEncoding });
    results.push(await measure(`DeltackptSaver (sqlite, ${payloadEncoding})`, saver, async () => {
      await saver.close();
      return fileBytes(path);
    }, () => DeltackptSaver.open(`sqlite:${path}`, { durability: "normal" })));
  }
  {
    const path = join(dir, "langgraph.db");
    const saver = SqliteSaver.fromConnString(path);
    results.push(await measure("SqliteSaver", saver, async () => {
      saver.db.close();
      return fileBytes(path);
    }, async () => SqliteSaver.fromConnString(path)));
  }
  if (dsn) {
    const schemas = ["dckpt_bench_deltackpt_json", "dckpt_bench_deltackpt_zstd", "dckpt_bench_langgraph"];
    for (const s of schemas) psql(`DROP SCHEMA IF EXISTS ${s} CASCADE; CREATE SCHEMA ${s}`);
    for (const [i, payloadEncoding] of ["json", "zstd"].entries()) {
      const saver = await DeltackptSaver.open(withSearchPath(dsn, schemas[i]), { payloadEncoding });
      results.push(await measure(`DeltackptSaver (postgres, ${payloadEncoding})`, saver, async () => {
        await saver.close();
        return schemaBytes(schemas[i]);
      }, () => DeltackptSaver.open(withSearchPath(dsn, schemas[i]))));
    }
    {
      const saver = PostgresSaver.fromConnString(dsn, { schema: schemas[2] });
      await saver.setup();
      results.push(await measure("PostgresSaver", saver, async () => {
        await saver.end();
        return schemaBytes(schemas[2]);
      }, async () => PostgresSaver.fromConnString(dsn, { schema: schemas[2] })));
    }
    // BENCH_KEEP_DIR keeps the files and the schemas, to look at.
    if (!process.env.BENCH_KEEP_DIR) for (const s of schemas) psql(`DROP SCHEMA ${s} CASCADE`);
  }
} finally {
  if (!process.env.BENCH_KEEP_DIR) rmSync(dir, { recursive: true, force: true });
}

const by = Object.fromEntries(results.map((r) => [r.saver, r]));
const ratio = (ours, theirs) => (by[ours] && by[theirs] ? {
  bytes: by[theirs].stored_bytes / by[ours].stored_bytes,
  put_p50: by[ours].put_p50_ms / by[theirs].put_p50_ms,
  latest_get_tuple_p50: by[ours].latest_get_tuple_p50_ms / by[theirs].latest_get_tuple_p50_ms,
  reopened_get_tuple_p50: by[ours].reopened_get_tuple_p50_ms / by[theirs].reopened_get_tuple_p50_ms,
} : undefined);
const ratios = {};
for (const encoding of ["json", "zstd"]) {
  ratios[`sqlite, ${encoding}`] = ratio(`DeltackptSaver (sqlite, ${encoding})`, "SqliteSaver");
  ratios[`postgres, ${encoding}`] = ratio(`DeltackptSaver (postgres, ${encoding})`, "PostgresSaver");
}
const fmt = (v, d = 2) => (v === undefined ? "-" : v.toFixed(d));
console.log("| saver | puts | stored bytes | put p50 ms | put p95 ms | latest getTuple p50 ms | reopened: first, then p50 ms |");
console.log("|---|---:|---:|---:|---:|---:|---:|");
for (const r of results) {
  console.log(`| ${r.saver} | ${r.puts} | ${r.stored_bytes} | ${fmt(r.put_p50_ms, 3)} | ${fmt(r.put_p95_ms, 3)} | ${fmt(r.latest_get_tuple_p50_ms, 3)} | ${fmt(r.reopened_first_get_tuple_ms, 1)}, ${fmt(r.reopened_get_tuple_p50_ms, 3)} |`);
}
for (const [backend, r] of Object.entries(ratios)) {
  if (!r) continue;
  console.log(`${backend}: ${fmt(r.bytes, 1)}x fewer bytes; put p50 ${fmt(r.put_p50)}x, latest getTuple p50 ${fmt(r.latest_get_tuple_p50)}x (reopened ${fmt(r.reopened_get_tuple_p50)}x) LangGraph's saver's time`);
}
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ results, ratios }, null, 2));
