// DeltackptSaver: LangGraph.js's BaseCheckpointSaver over deltackpt, which
// stores each checkpoint as a delta against its parent (a full row now and
// then) in SQLite, PostgreSQL or memory. See README.md.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  BaseCheckpointSaver,
  TASKS,
  WRITES_IDX_MAP,
  copyCheckpoint,
  getCheckpointId,
  maxChannelVersion,
} from "@langchain/langgraph-checkpoint";

const here = dirname(fileURLToPath(import.meta.url));
const native = createRequire(import.meta.url)(
  process.env.DELTACKPT_NODE_ADDON ?? join(here, "build", "deltackpt.node"),
);

// Checkpoints listed per native call while list() iterates.
const LIST_PAGE = 100;

// How a serialized value sits in the stored state: JSON as parsed JSON, so
// that it is diffed like the rest of the state and readable with sqlite3's
// json_extract; anything else as bytes, tagged with the serializer's type.
// A Buffer over the serializer's bytes (a Uint8Array, not copied; or a
// string, as a serializer may give).
function bufferOf(bytes) {
  return typeof bytes === "string" ? Buffer.from(bytes, "utf8") : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function toStored([type, bytes]) {
  const buffer = bufferOf(bytes);
  if (type === "json") {
    try {
      return { json: JSON.parse(buffer.toString("utf8")) };
    } catch {
      // Not JSON after all: keep the bytes.
    }
  }
  return { type, base64: buffer.toString("base64") };
}

// The elements the JSON array text `after` appends to the array text
// `before` (both UTF-8 Buffers), or undefined when `after` is not `before`
// with elements added at its end. Texts from one serializer: an equal
// prefix followed by a comma means the elements before it are the same
// values, so only the new ones are decoded and parsed.
const OPEN = 0x5b; // [
const CLOSE = 0x5d; // ]
const COMMA = 0x2c;
function appendedElements(before, after) {
  const n = before.length;
  if (n === 2 && before[0] === OPEN && before[1] === CLOSE) {
    return after.length > 2 && after[0] === OPEN ? JSON.parse(after.toString("utf8")) : undefined;
  }
  if (after.length <= n || before[0] !== OPEN || before[n - 1] !== CLOSE) return undefined;
  if (after[n - 1] !== COMMA || after[after.length - 1] !== CLOSE) return undefined;
  if (before.compare(after, 0, n - 1, 0, n - 1) !== 0) return undefined;
  return JSON.parse(`[${after.toString("utf8", n, after.length - 1)}]`);
}

function fromStored(stored) {
  if ("json" in stored) return ["json", JSON.stringify(stored.json)];
  return [stored.type, new Uint8Array(Buffer.from(stored.base64, "base64"))];
}

// A pending write's value from the C API's JSON: text, or {"base64"}.
function writeBytes(value) {
  return typeof value === "string" ? Buffer.from(value, "utf8") : Buffer.from(value.base64, "base64");
}

// `value` with its object keys in the order `previous` has them (new keys
// last), `depth` levels down: deltackpt's deltas keep the parent's key
// order and append new keys, and store an object whose surviving keys moved
// as a replacement. LangGraph builds its objects afresh each step (a channel
// that comes back is inserted where it was first), so each put is put in
// the order of its parent.
function orderLike(value, previous, depth) {
  if (depth === 0 || !isObject(value) || !isObject(previous)) return value;
  const out = {};
  for (const key of Object.keys(previous)) {
    if (Object.hasOwn(value, key)) out[key] = orderLike(value[key], previous[key], depth - 1);
  }
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(out, key)) out[key] = value[key];
  }
  return out;
}

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

// The delta (docs/delta-format.md) from the stored state `previous` to
// `state`, whose channel values are previous's but for the channels in
// `changed`, which are new or previous's arrays with the elements
// `appended` names added; the versions are sent whole (they are small).
function deltaOf(previous, state, changed, appended) {
  const channels = {};
  for (const channel of Object.keys(state.channel_values)) {
    if (!changed.has(channel)) continue;
    if (channel in appended) {
      const at = previous.channel_values[channel].json.length;
      if (appended[channel].length > 0) channels[channel] = { keys: { json: { edits: [{ at, ins: appended[channel] }] } } };
    } else {
      channels[channel] = { set: state.channel_values[channel] };
    }
  }
  const drop = Object.keys(previous.channel_values).filter((channel) => !(channel in state.channel_values));
  const channelValues = { keys: channels };
  if (drop.length > 0) channelValues.drop = drop;
  return {
    v: 1,
    keys: {
      v: { set: state.v },
      ts: { set: state.ts },
      channel_versions: { set: state.channel_versions },
      versions_seen: { set: state.versions_seen },
      channel_values: channelValues,
    },
  };
}

function configOf(thread_id, checkpoint_ns, checkpoint_id) {
  return { configurable: { thread_id, checkpoint_ns, checkpoint_id } };
}

function requireThread(config, what) {
  const thread = config.configurable?.thread_id;
  if (thread === undefined || thread === null || thread === "") {
    throw new Error(
      `Failed to ${what}. The passed RunnableConfig is missing a required "thread_id" field in its "configurable" property.`,
    );
  }
  return String(thread);
}

/**
 * A LangGraph checkpointer storing checkpoints delta-compressed with deltackpt.
 *
 *   const saver = await DeltackptSaver.open("sqlite:agent.db");
 *   const graph = builder.compile({ checkpointer: saver });
 *   ...
 *   await saver.close();
 */
export class DeltackptSaver extends BaseCheckpointSaver {
  /**
   * Opens a store by URL: "sqlite:PATH" (or a path ending in .db),
   * "postgresql://...", or "memory:". `options` are deltackpt's open options
   * (docs/integration.md): fullSnapshotInterval, replayBudget, cacheBytes, fullRowWhenCacheIsFull,
   * durability ("full" | "normal"), payloadEncoding, poolSize, migrate.
   */
  static async open(url, options = {}, serde = undefined) {
    const known = {
      fullSnapshotInterval: "full_snapshot_interval",
      replayBudget: "replay_budget",
      maxDeltaFraction: "max_delta_fraction",
      cacheBytes: "cache_bytes",
      fullRowWhenCacheIsFull: "full_row_when_cache_is_full",
      durability: "durability",
      payloadEncoding: "payload_encoding",
      poolSize: "pool_size",
      migrate: "migrate",
      deltas: "deltas",
    };
    const native_options = {};
    for (const [key, value] of Object.entries(options)) {
      if (!(key in known)) throw new Error(`deltackpt: unknown option "${key}"`);
      native_options[known[key]] = value;
    }
    const store = await native.open(url, JSON.stringify(native_options));
    return new DeltackptSaver(store, serde);
  }

  constructor(store, serde) {
    super(serde);
    if (store === undefined || typeof store.save !== "function") {
      throw new Error("deltackpt: use `await DeltackptSaver.open(url)`");
    }
    this.store = store;
  }

  /**
   * What the store holds (every thread, or `threadId`'s), and what this
   * saver's saves and state cache did since it was opened:
   * {total, threads, saves: {full_rows, delta_rows, deltas_refused,
   * parents_rebuilt}, cache: {hits, misses, evictions, entries, bytes,
   * capacity_bytes}} (docs/cli.md). `saves.parents_rebuilt` counts puts whose
   * parent was not cached and was read back: near 0 when `cacheBytes` holds
   * the live threads' latest states.
   */
  async stats(threadId = undefined) {
    return JSON.parse(await this.store.stats(threadId === undefined ? undefined : String(threadId)));
  }

  /** Waits for the calls in flight, then closes the store. */
  async close() {
    await this.store.close();
  }

  async getTuple(config) {
    const thread = config.configurable?.thread_id;
    if (thread === undefined) return undefined;
    const ns = config.configurable?.checkpoint_ns ?? "";
    const id = getCheckpointId(config);
    if (id) {
      const text = await this.store.loadById(id);
      if (text === null) return undefined;
      const cp = JSON.parse(text);
      if (cp.thread_id !== String(thread) || cp.checkpoint_ns !== ns) return undefined;
      return this.#tuple(cp, await this.#writes(cp.thread_id, ns, id), config);
    }
    // The latest in LangGraph's sense: the greatest checkpoint id. When it is
    // the checkpoint this saver last put there (a state read after a run),
    // its values are decoded from the serializer's own text kept from the
    // put; only the header and the pending writes are read.
    const last = this.#last.get(`${thread}\u0000${ns}`);
    if (last) {
      const [head] = JSON.parse(
        await this.store.list(String(thread), JSON.stringify({ checkpoint_ns: ns, order: "checkpoint_id", limit: 1 })),
      );
      if (head === undefined) return undefined;
      if (head.checkpoint_id === last.id) {
        const writes = await this.#writes(head.thread_id, ns, last.id);
        // The versions are copied (the caller may change them); the values
        // are decoded afresh.
        const { channel_versions, versions_seen, ...rest } = last.state;
        const state = { ...rest, channel_versions: structuredClone(channel_versions), versions_seen: structuredClone(versions_seen) };
        return this.#tuple({ ...head, state }, writes, undefined, last.texts);
      }
    }
    const listed = JSON.parse(
      await this.store.list(
        String(thread),
        JSON.stringify({ checkpoint_ns: ns, order: "checkpoint_id", limit: 1, with_states: true, with_writes: true }),
      ),
    );
    if (listed.length === 0) return undefined;
    return this.#tuple(listed[0], listed[0].writes);
  }

  async *list(config, options = {}) {
    const { before, filter } = options;
    let { limit } = options;
    const thread = config.configurable?.thread_id;
    const ns = config.configurable?.checkpoint_ns;
    const only = config.configurable?.checkpoint_id;
    const query = { order: "checkpoint_id", with_states: true, with_writes: true };
    if (ns !== undefined) query.checkpoint_ns = ns;
    if (filter && Object.keys(filter).length > 0) query.metadata_filter = filter;
    let bound = before?.configurable?.checkpoint_id;
    if (only) {
      // One checkpoint: the one the config names, if it passes the rest.
      const tuple = await this.getTuple(config);
      if (tuple === undefined) return;
      if (bound !== undefined && !(only < bound)) return;
      if (filter && !Object.entries(filter).every(([k, v]) => JSON.stringify(tuple.metadata?.[k]) === JSON.stringify(v))) return;
      if (limit !== undefined && limit <= 0) return;
      yield tuple;
      return;
    }
    while (limit === undefined || limit > 0) {
      const page = limit === undefined ? LIST_PAGE : Math.min(limit, LIST_PAGE);
      if (bound) query.before = bound;
      query.limit = page;
      const listed = JSON.parse(await this.store.list(thread === undefined ? null : String(thread), JSON.stringify(query)));
      for (const cp of listed) yield await this.#tuple(cp, cp.writes);
      if (limit !== undefined) limit -= listed.length;
      if (listed.length < page) return;
      bound = listed[listed.length - 1].checkpoint_id;
    }
  }

  async put(config, checkpoint, metadata, newVersions) {
    const thread = requireThread(config, "put checkpoint");
    const ns = config.configurable?.checkpoint_ns ?? "";
    const parent = config.configurable?.checkpoint_id;
    const prepared = copyCheckpoint(checkpoint);
    // LangGraph's model: a channel's value is stored when its version is new
    // (newVersions); otherwise it is the value stored with that version
    // earlier, which is the parent's when the parent has that version. The
    // unchanged values carried from the parent cost nothing: the delta
    // against the parent does not mention them.
    const key = `${thread}\u0000${ns}`;
    const last = this.#last.get(key);
    // The parent is the last put here: its state and its values' serialized
    // texts are known, so this put is sent as what changed (saveDelta),
    // and a value that grew by appending is sent as the appended elements.
    const known = parent !== undefined && last?.id === parent ? last : undefined;
    const previous = known ? known.state : parent ? await this.#storedState(parent, thread, ns) : undefined;
    const values = {};
    const texts = {};
    const changed = new Set();
    const appended = {};
    for (const [channel, version] of Object.entries(prepared.channel_versions ?? {})) {
      if (newVersions && channel in newVersions) {
        if (!(channel in (prepared.channel_values ?? {}))) continue;
        const [type, bytes] = await this.serde.dumpsTyped(prepared.channel_values[channel]);
        const text = type === "json" ? bufferOf(bytes) : undefined;
        const before = known?.texts[channel];
        const added = text !== undefined && before !== undefined ? appendedElements(before, text) : undefined;
        if (added !== undefined && Array.isArray(previous.channel_values[channel]?.json)) {
          values[channel] = { json: previous.channel_values[channel].json.concat(added) };
          appended[channel] = added;
        } else {
          values[channel] = toStored([type, bytes]);
        }
        if (text !== undefined && "json" in values[channel]) texts[channel] = text;
        changed.add(channel);
      } else if (previous?.channel_versions?.[channel] === version && channel in (previous.channel_values ?? {})) {
        values[channel] = previous.channel_values[channel];
        if (known?.texts[channel] !== undefined) texts[channel] = known.texts[channel];
      }
    }
    const state = orderLike(
      {
        v: prepared.v,
        ts: prepared.ts,
        channel_versions: prepared.channel_versions ?? {},
        versions_seen: prepared.versions_seen ?? {},
        channel_values: values,
      },
      previous,
      3,
    );
    const [metadataType, metadataBytes] = await this.serde.dumpsTyped(metadata ?? {});
    const storedMetadata = metadataType === "json" ? JSON.parse(Buffer.from(metadataBytes).toString("utf8")) : {};
    const header = {
      thread_id: thread,
      checkpoint_ns: ns,
      checkpoint_id: prepared.id,
      step: Number.isSafeInteger(metadata?.step) ? metadata.step : 0,
      metadata: storedMetadata,
    };
    if (parent) header.parent_id = parent;
    if (known) {
      await this.store.saveDelta(JSON.stringify(header), JSON.stringify(deltaOf(previous, state, changed, appended)), native.SAVE_FORK);
    } else {
      await this.store.save(JSON.stringify({ ...header, state }), parent ? native.SAVE_FORK : native.SAVE_ROOT);
    }
    this.#last.set(key, { id: prepared.id, state, texts });
    return configOf(thread, ns, prepared.id);
  }

  async putWrites(config, writes, taskId, taskPath = "") {
    const thread = requireThread(config, "put writes");
    const ns = config.configurable?.checkpoint_ns ?? "";
    const id = config.configurable?.checkpoint_id;
    if (id === undefined) {
      throw new Error(`Failed to put writes. The passed RunnableConfig is missing a required "checkpoint_id" field in its "configurable" property.`);
    }
    const encoded = await Promise.all(
      writes.map(async ([channel, value], idx) => {
        const [type, bytes] = await this.serde.dumpsTyped(value);
        return {
          task_id: taskId,
          task_path: taskPath ?? "",
          idx: WRITES_IDX_MAP[channel] ?? idx,
          channel,
          type,
          value: { base64: Buffer.from(bytes).toString("base64") },
        };
      }),
    );
    await this.store.putWrites(JSON.stringify({ thread_id: thread, checkpoint_ns: ns, checkpoint_id: id, writes: encoded }));
  }

  async deleteThread(threadId) {
    await this.store.removeThread(String(threadId));
    for (const key of this.#last.keys()) if (key.startsWith(`${threadId}\u0000`)) this.#last.delete(key);
  }

  // The state this saver last put to each (thread, namespace): the parent
  // of the next put, so a put need not read it back.
  #last = new Map();

  // The state checkpoint `id` was stored with (undefined if it is not a
  // checkpoint of this thread and namespace).
  async #storedState(id, thread, ns) {
    const last = this.#last.get(`${thread}\u0000${ns}`);
    if (last && last.id === id) return last.state;
    const text = await this.store.loadById(id);
    if (text === null) return undefined;
    const cp = JSON.parse(text);
    if (cp.thread_id !== thread || cp.checkpoint_ns !== ns) return undefined;
    return cp.state;
  }

  // The pending writes stored against a checkpoint, as the C API gives them.
  async #writes(thread_id, checkpoint_ns, checkpoint_id) {
    return JSON.parse(await this.store.writes(JSON.stringify({ thread_id, checkpoint_ns, checkpoint_id })));
  }

  // A CheckpointTuple from what deltackpt returned for one checkpoint (and,
  // when known, the serializer's text of its JSON channel values).
  async #tuple(cp, writes, config = undefined, texts = undefined) {
    const state = cp.state;
    const channelValues = {};
    for (const [channel, stored] of Object.entries(state.channel_values ?? {})) {
      const text = texts?.[channel];
      channelValues[channel] = await this.serde.loadsTyped(...(text !== undefined ? ["json", text] : fromStored(stored)));
    }
    const checkpoint = {
      v: state.v,
      id: cp.checkpoint_id,
      ts: state.ts,
      channel_values: channelValues,
      channel_versions: state.channel_versions ?? {},
      versions_seen: state.versions_seen ?? {},
    };
    const parent = cp.parent_id ?? undefined;
    if (checkpoint.v < 4 && parent !== undefined) await this.#migratePendingSends(checkpoint, cp.thread_id, cp.checkpoint_ns, parent);
    const tuple = {
      config: config ?? configOf(cp.thread_id, cp.checkpoint_ns, cp.checkpoint_id),
      checkpoint,
      metadata: await this.serde.loadsTyped("json", JSON.stringify(cp.metadata ?? {})),
      pendingWrites: await Promise.all(
        (writes ?? []).map(async (w) => [w.task_id, w.channel, await this.serde.loadsTyped(w.type, new Uint8Array(writeBytes(w.value)))]),
      ),
    };
    if (parent !== undefined) tuple.parentConfig = configOf(cp.thread_id, cp.checkpoint_ns, parent);
    return tuple;
  }

  // Checkpoints before format 4 kept pending sends in the parent's writes
  // on the TASKS channel; LangGraph's savers move them into the checkpoint.
  async #migratePendingSends(checkpoint, thread, ns, parent) {
    const writes = await this.#writes(thread, ns, parent);
    const sends = await Promise.all(
      writes.filter((w) => w.channel === TASKS).map((w) => this.serde.loadsTyped(w.type, new Uint8Array(writeBytes(w.value)))),
    );
    checkpoint.channel_values[TASKS] = sends;
    const versions = Object.values(checkpoint.channel_versions);
    checkpoint.channel_versions[TASKS] = versions.length > 0 ? maxChannelVersion(...versions) : this.getNextVersion(undefined);
  }
}

export const version = native.version;
