// What DeltackptSaver does beyond LangGraph's suite: puts sent as what
// changed (saveDelta) and the latest read from the last put's own text must
// give exactly what a saver that knows nothing gives, also when another
// process writes to the same store, and whatever the caller does with what
// it got. The oracle is a second DeltackptSaver opened on the same file,
// which has put nothing, so it reads every checkpoint from the store.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { emptyCheckpoint } from "@langchain/langgraph-checkpoint";

import { DeltackptSaver } from "../index.js";

const dir = mkdtempSync(join(tmpdir(), "deltackpt-saver-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = (thread, id) => ({ configurable: { thread_id: thread, checkpoint_ns: "", ...(id ? { checkpoint_id: id } : {}) } });

// A checkpoint after `parent` with `values` (channel -> value), each
// channel's version bumped.
function next(parent, values, id) {
  const cp = emptyCheckpoint();
  cp.id = id;
  cp.channel_values = { ...(parent?.channel_values ?? {}), ...values };
  cp.channel_versions = { ...(parent?.channel_versions ?? {}) };
  for (const channel of Object.keys(values)) cp.channel_versions[channel] = (cp.channel_versions[channel] ?? 0) + 1;
  cp.versions_seen = { agent: { ...cp.channel_versions } };
  return cp;
}

// Counts the native calls a saver makes, by method (and list calls that
// ask for states apart).
function counted(saver) {
  const calls = {};
  const native = saver.store;
  saver.store = new Proxy(native, {
    get(target, method) {
      const f = target[method];
      if (typeof f !== "function") return f;
      return (...args) => {
        const key = method === "list" && args[1]?.includes('"with_states":true') ? "list with states" : method;
        calls[key] = (calls[key] ?? 0) + 1;
        return f.apply(target, args);
      };
    },
  });
  return calls;
}

// The checkpoint as LangGraph compares it: without the id-independent ts.
const view = (tuple) => ({
  values: tuple.checkpoint.channel_values,
  versions: tuple.checkpoint.channel_versions,
  seen: tuple.checkpoint.versions_seen,
  metadata: tuple.metadata,
  parent: tuple.parentConfig?.configurable?.checkpoint_id,
  writes: tuple.pendingWrites,
});

describe("DeltackptSaver puts and latest reads", () => {
  it("stores appends, replacements and removals as a saver reading from the store sees them", async () => {
    const path = join(dir, "changes.db");
    // A full row every 7, and a replay budget that does not end chains
    // sooner (this state grows from nothing, so its full rows are small).
    const saver = await DeltackptSaver.open(`sqlite:${path}`, { fullSnapshotInterval: 7, replayBudget: 20 });
    const oracle = await DeltackptSaver.open(`sqlite:${path}`);
    const calls = counted(saver);
    let parent;
    let parentId;
    const messages = [];
    for (let i = 0; i < 40; ++i) {
      const values = {};
      messages.push({ id: `m${i}`, text: `message ${i} é 😀` });
      // Appends mostly; every seventh step the list is edited in the middle,
      // every fifth a value is replaced, and at step 20 the list is emptied.
      if (i % 7 === 3) messages[1] = { id: "m1", text: `edited at ${i}` };
      if (i === 20) messages.length = 0;
      values.messages = [...messages];
      if (i % 5 === 0) values.result = { rows: Array.from({ length: i % 3 }, (_, j) => ({ j, at: i })) };
      if (i % 9 === 0) values.bytes = new Uint8Array([0, 255, i]);
      const id = `00000000-0000-6000-8000-${String(i).padStart(12, "0")}`;
      const cp = next(parent, values, id);
      const newVersions = Object.fromEntries(Object.keys(values).map((c) => [c, cp.channel_versions[c]]));
      await saver.put(config("t", parentId), cp, { source: "loop", step: i, parents: {} }, newVersions);
      await saver.putWrites(config("t", id), [["messages", { id: `w${i}` }]], `task-${i}`);
      const got = await saver.getTuple(config("t"));
      const want = await oracle.getTuple(config("t"));
      expect(got.config.configurable.checkpoint_id).toBe(id);
      expect(view(got)).toEqual(view(want));
      expect(view(await oracle.getTuple(config("t", id)))).toEqual(view(want));
      // And against what was put, not only against the store.
      expect(got.checkpoint.channel_values).toEqual(cp.channel_values);
      expect(got.checkpoint.channel_versions).toEqual(cp.channel_versions);
      expect(got.checkpoint.versions_seen).toEqual(cp.versions_seen);
      expect(got.checkpoint.channel_values.messages).toEqual(messages);
      parent = cp;
      parentId = id;
    }
    // Every put after the first was sent as what changed, and every latest
    // read came from the put's own text.
    expect(calls.saveDelta).toBe(39);
    expect(calls.save).toBe(1);
    expect(calls["list with states"]).toBeUndefined();
    // Six of seven rows are deltas (the appended messages, not the list
    // again), but for the few whose delta is not smaller than the state.
    const stats = JSON.parse(await oracle.store.stats("t"));
    expect(stats.total.delta_rows).toBeGreaterThanOrEqual(30);
    // Each put found its parent in the saver's cache.
    const own = await saver.stats("t");
    expect(own.saves.parents_rebuilt).toBe(0);
    expect(own.saves.delta_rows).toBe(stats.total.delta_rows);
    expect(own.cache.hits).toBeGreaterThanOrEqual(39);
    expect(own.cache.entries).toBeGreaterThanOrEqual(1);
    expect(own.cache.bytes).toBeGreaterThan(0);
    await saver.close();
    await oracle.close();
  });

  it("reads another process's newer checkpoint, and what a caller changes in a tuple changes nothing stored", async () => {
    const path = join(dir, "two.db");
    const a = await DeltackptSaver.open(`sqlite:${path}`);
    const b = await DeltackptSaver.open(`sqlite:${path}`);
    const first = next(undefined, { messages: ["a"] }, "00000000-0000-6000-8000-000000000001");
    await a.put(config("t"), first, { step: 0 }, { messages: 1 });
    const got = await a.getTuple(config("t"));
    got.checkpoint.channel_versions.messages = 99;
    got.checkpoint.versions_seen.agent = {};
    got.checkpoint.channel_values.messages.push("changed by the caller");
    const again = await a.getTuple(config("t"));
    expect(again.checkpoint.channel_versions.messages).toBe(1);
    expect(again.checkpoint.versions_seen.agent).toEqual({ messages: 1 });
    expect(again.checkpoint.channel_values.messages).toEqual(["a"]);
    // b puts a child; a's latest is b's, not the one a put.
    const second = next(first, { messages: ["a", "b"] }, "00000000-0000-6000-8000-000000000002");
    await b.put(config("t", first.id), second, { step: 1 }, { messages: 2 });
    const latest = await a.getTuple(config("t"));
    expect(latest.checkpoint.id).toBe(second.id);
    expect(latest.checkpoint.channel_values.messages).toEqual(["a", "b"]);
    // a puts after b's checkpoint (its last put is no longer the parent).
    const third = next(second, { messages: ["a", "b", "c"] }, "00000000-0000-6000-8000-000000000003");
    await a.put(config("t", second.id), third, { step: 2 }, { messages: 3 });
    expect((await b.getTuple(config("t"))).checkpoint.channel_values.messages).toEqual(["a", "b", "c"]);
    await a.close();
    await b.close();
  });
});
