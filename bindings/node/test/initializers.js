// CheckpointerTestInitializers for LangGraph's validation suite: one per
// backend, each checkpointer on storage of its own (a fresh SQLite file, a
// fresh PostgreSQL schema), with a short full_snapshot_interval so that the
// suite's checkpoints are stored as delta rows.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { DeltackptSaver } from "../index.js";

const options = { fullSnapshotInterval: 3 };

export function memoryInitializer() {
  return {
    checkpointerName: "deltackpt (memory)",
    createCheckpointer: () => DeltackptSaver.open("memory:", options),
    destroyCheckpointer: (saver) => saver.close(),
  };
}

export function sqliteInitializer() {
  let dir;
  let n = 0;
  return {
    checkpointerName: "deltackpt (sqlite)",
    beforeAll() {
      dir = mkdtempSync(join(tmpdir(), "deltackpt-validation-"));
    },
    afterAll() {
      rmSync(dir, { recursive: true, force: true });
    },
    createCheckpointer: () => DeltackptSaver.open(`sqlite:${join(dir, `store-${n++}.db`)}`, options),
    destroyCheckpointer: (saver) => saver.close(),
  };
}

// DELTACKPT_TEST_PG_DSN: a libpq key=value string or URL of a server this
// test may create schemas on (scripts/test's throwaway server).
export function postgresInitializer(dsn) {
  let n = 0;
  const schemas = [];
  const psql = (sql) => execFileSync("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-c", sql]);
  return {
    checkpointerName: "deltackpt (postgres)",
    async createCheckpointer() {
      const schema = `dckpt_validation_${process.pid}_${n++}`;
      psql(`CREATE SCHEMA ${schema}`);
      schemas.push(schema);
      return DeltackptSaver.open(withSearchPath(dsn, schema), options);
    },
    destroyCheckpointer: (saver) => saver.close(),
    // One statement for every schema: a psql process per schema took longer
    // than the hook timeout on a busy machine.
    afterAll() {
      if (schemas.length > 0) psql(`DROP SCHEMA ${schemas.join(", ")} CASCADE`);
    },
  };
}

// A fresh schema on the test server as a store URL, or undefined without
// one (an error when DELTACKPT_TEST_PG_REQUIRED=1).
let schemas = 0;
export function postgresUrl(name) {
  const dsn = process.env.DELTACKPT_TEST_PG_DSN;
  if (!dsn) {
    if (process.env.DELTACKPT_TEST_PG_REQUIRED === "1") throw new Error("DELTACKPT_TEST_PG_REQUIRED=1 but DELTACKPT_TEST_PG_DSN is not set");
    return undefined;
  }
  const schema = `dckpt_${name}_${process.pid}_${schemas++}`;
  execFileSync("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-c", `DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`]);
  return withSearchPath(dsn, schema);
}

// The DSN with the schema as search_path, in whichever form the DSN is.
function withSearchPath(dsn, schema) {
  if (/^postgres(ql)?:\/\//.test(dsn)) {
    return `${dsn}${dsn.includes("?") ? "&" : "?"}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  }
  return `${dsn} options='-c search_path=${schema}'`;
}
