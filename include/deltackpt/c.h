/* The C API of deltackpt: plain C99, for runtimes that are not written in C++
 * (Python through ctypes, Rust, Go, TypeScript through their FFIs).
 *
 * Conventions, which hold for every function below:
 *
 *  - Handles are opaque. A deltackpt_store_t is one open store, i.e. one
 *    deltackpt::Checkpointer (docs/design.md describes the model).
 *  - Values go in and come out as JSON text, UTF-8, NUL-terminated. Key order
 *    and number spelling round-trip exactly (1 stays 1, 1.0 stays 1.0).
 *  - Every operation returns a status code (DELTACKPT_OK or one of the error
 *    codes below). After a failure, deltackpt_errmsg(store) gives the message
 *    of the calling thread's last call on that store. No C++ exception ever
 *    crosses this interface.
 *  - Strings the library returns through a `char**` out-parameter belong to
 *    the caller, who must release them with deltackpt_free(). On failure the
 *    out-parameter is set to NULL. Out-parameters are set to NULL first, so a
 *    caller may always call deltackpt_free() on them.
 *  - Absence is not an error: loading an unknown thread or id returns
 *    DELTACKPT_OK and sets the result to NULL (as leveldb_get() does).
 *  - A NULL store handle, or a NULL required argument, gives
 *    DELTACKPT_INVALID_ARGUMENT.
 *  - Thread safety: one store may be used by many threads at once; every
 *    function except deltackpt_close() may be called concurrently on the same
 *    store. deltackpt_close() must not run while another call on the store is
 *    in progress, and the store must not be used afterwards. Error messages
 *    are kept per calling thread, so concurrent callers never see each
 *    other's messages.
 *
 * Example:
 *
 *   deltackpt_store_t* store = NULL;
 *   if (deltackpt_open("sqlite:agent.db", "{\"full_snapshot_interval\": 50}", &store) != DELTACKPT_OK) {
 *     fprintf(stderr, "%s\n", deltackpt_errmsg(store));
 *     deltackpt_close(store);
 *     return 1;
 *   }
 *   char* id = NULL;
 *   int rc = deltackpt_save(store, "{\"thread_id\": \"t1\", \"step\": 0, \"state\": {\"messages\": []}}",
 *                           0, &id);
 *   ...
 *   deltackpt_free(id);
 *   deltackpt_close(store);
 */
#ifndef DELTACKPT_C_H_
#define DELTACKPT_C_H_

#include <stddef.h>

#include "deltackpt/export.hpp"

#ifdef __cplusplus
#define DELTACKPT_C_NOEXCEPT noexcept
extern "C" {
#else
#define DELTACKPT_C_NOEXCEPT
#endif

/* One open store. Created by deltackpt_open(), released by deltackpt_close(). */
typedef struct deltackpt_store_t deltackpt_store_t;

/* Status codes. The first six match deltackpt::ErrorCode (errors.hpp). */
enum {
  DELTACKPT_OK = 0,
  DELTACKPT_INVALID_ARGUMENT = 1, /* unusable input (bad JSON, bad URL, NULL); nothing was written */
  DELTACKPT_NOT_FOUND = 2,        /* an id that must exist (a save's parent) does not */
  DELTACKPT_CONFLICT = 3,         /* duplicate id, or another writer moved the thread's head first */
  DELTACKPT_CORRUPTION = 4,       /* a stored row or delta chain cannot be decoded or fails its checksum */
  DELTACKPT_STORAGE = 5,          /* the backend failed (I/O, lock timeout, lost connection) */
  DELTACKPT_SCHEMA = 6,           /* the database schema is not one this build can use */
  DELTACKPT_OUT_OF_MEMORY = 7,
  DELTACKPT_INTERNAL = 8          /* a bug in deltackpt: please report the message */
};

/* Flags of deltackpt_save(). */
#define DELTACKPT_SAVE_FORK 1u /* parent_id may be any checkpoint of the thread (time travel) */
#define DELTACKPT_SAVE_ROOT 2u /* no parent: a new root of the thread, stored as a full row */

/* The library's version, e.g. "0.1.0". Static storage: never free it.
 * Thread-safe. */
DELTACKPT_EXPORT const char* deltackpt_version(void) DELTACKPT_C_NOEXCEPT;

/* A stable lowercase name for a status code, e.g. "conflict"; "unknown" for
 * a value that is not one. Static storage: never free it. Thread-safe. */
DELTACKPT_EXPORT const char* deltackpt_status_name(int status) DELTACKPT_C_NOEXCEPT;

/* Opens the store `url` names:
 *   "memory:"                       in-process, gone when closed
 *   "sqlite:PATH", a path ending in .db, .sqlite or .sqlite3, "sqlite::memory:"
 *   "postgresql://..." or "postgres://..."   (builds with PostgreSQL only)
 * `options_json` is NULL, "" or a JSON object with any of (defaults shown):
 *   {"deltas": true,                  store JSON deltas between full rows
 *    "full_snapshot_interval": 200,   a full row at least every this many checkpoints
 *    "replay_budget": 1.0,            a full row once a load would replay over (1 + this) times the state
 *    "max_delta_fraction": 1.0,       a full row when a delta over 16 KiB is over this share of its state (1.0: off)
 *    "cache_bytes": ...,              bytes of recent states kept in memory (default: 1/16 of the
 *                                     process's memory, at least 64 MiB: deltackpt::default_cache_bytes)
 *    "full_row_when_cache_is_full": true,  a save whose parent the full cache evicted writes a full row
 *                                     rather than replaying it (saves never cost more than full-row saves)
 *    "max_depth": 128,                deepest nesting of a state or metadata (1 to 1000)
 *    "max_state_bytes": 268435456,    largest state, in bytes of compact JSON
 *    "max_id_bytes": 256,             longest thread, checkpoint or task id, or channel, in bytes
 *    "max_namespace_bytes": 4096,     longest checkpoint namespace or task path, in bytes
 *    "durability": "full",            SQLite: "full" or "normal"
 *    "pool_size": 4,                  PostgreSQL: connections
 *    "payload_encoding": "",          "json", "zstd-full-rows", "zstd" or "lz4" for new rows; "" keeps the database's
 *    "migrate": true,                 apply pending schema migrations on open
 *    "read_only": false}              create, migrate and write nothing (saves fail with STORAGE)
 * Unknown keys are refused.
 *
 * Ownership: *store receives a new handle, even when the open fails (as with
 * sqlite3_open), so that deltackpt_errmsg(*store) can tell why; the caller
 * must release it with deltackpt_close() in both cases. A handle whose open
 * failed refuses every other call with DELTACKPT_INVALID_ARGUMENT. *store is
 * NULL only when `store` is NULL (nothing happens) or when the handle itself
 * could not be allocated (DELTACKPT_OUT_OF_MEMORY).
 * Errors: INVALID_ARGUMENT (bad URL, bad options), STORAGE (cannot open or
 * create the database), SCHEMA (schema too new, or not current with
 * "migrate": false or "read_only": true, or not a deltackpt store when read
 * only), NOT_FOUND (read only: no such file). Thread-safe: different threads may open stores at once,
 * also on the same file. */
DELTACKPT_EXPORT int deltackpt_open(const char* url, const char* options_json,
                                    deltackpt_store_t** store) DELTACKPT_C_NOEXCEPT;

/* Closes the store and releases the handle. NULL is allowed (does nothing).
 * REQUIRES: no other call on `store` is in progress; `store` is not used
 * afterwards (messages from deltackpt_errmsg() are released too). Strings
 * returned earlier stay valid: they belong to the caller. Never fails. */
DELTACKPT_EXPORT void deltackpt_close(deltackpt_store_t* store) DELTACKPT_C_NOEXCEPT;

/* The message of the calling thread's last call on `store`: empty ("") when
 * that call succeeded, a fixed text when `store` is NULL. Never NULL.
 * Ownership: the store keeps the text; it stays valid until the calling
 * thread's next call on `store` or deltackpt_close(). Do not free it.
 * Thread-safe. */
DELTACKPT_EXPORT const char* deltackpt_errmsg(const deltackpt_store_t* store) DELTACKPT_C_NOEXCEPT;

/* 1 when the calling thread's last call on `store` failed with an error that
 * the same call may not meet again (DELTACKPT_STORAGE after a lock timeout or
 * a lost connection, which is reopened): retry it. Else 0 (also for NULL).
 * Thread-safe. */
DELTACKPT_EXPORT int deltackpt_error_retryable(const deltackpt_store_t* store) DELTACKPT_C_NOEXCEPT;

/* Releases memory this library returned through a `char**` out-parameter.
 * NULL is allowed. Use it, not free(): the library may use another heap.
 * Thread-safe. */
DELTACKPT_EXPORT void deltackpt_free(void* ptr) DELTACKPT_C_NOEXCEPT;

/* Saves one checkpoint. `checkpoint_json` is a JSON object:
 *   {"thread_id": "t1",               required
 *    "checkpoint_ns": "sub:1",        optional: the namespace in the thread, default "" (the root)
 *    "checkpoint_id": "...",          optional: generated (time-ordered) when absent, "" or null
 *    "parent_id": "...",              optional: absent, "" or null = the namespace's latest
 *    "step": 3,                       optional, default 0 (a 64-bit integer)
 *    "state": {...},                  a JSON object, default {}
 *    "pending_nodes": ["tools"],      optional, default []
 *    "metadata": {...},               a JSON object, default {}
 *    "created_at": "2026-...Z"}       optional ISO-8601 time, default now
 * Unknown keys are refused. `flags`: 0, or DELTACKPT_SAVE_FORK to start a
 * branch from any earlier checkpoint of the thread (time travel; without
 * it an explicit parent_id must be the thread's latest checkpoint), or
 * DELTACKPT_SAVE_ROOT for a checkpoint with no parent in a thread that has
 * checkpoints (parent_id must be absent); either way the new checkpoint
 * becomes the thread's latest. Saving a checkpoint_id again with exactly the
 * content it was saved with succeeds and writes nothing (a retry).
 * Ownership: when `checkpoint_id` is not NULL, *checkpoint_id receives the
 * new checkpoint's id, which the caller frees with deltackpt_free().
 * Errors: INVALID_ARGUMENT (bad JSON, wrong types, bad ids, state too deep or
 * too large; nothing written), NOT_FOUND (parent_id names no checkpoint of
 * the thread), CONFLICT (checkpoint_id taken by a checkpoint with other
 * content; or parent_id is no longer the latest and DELTACKPT_SAVE_FORK is
 * not set), CORRUPTION (the parent's
 * stored state cannot be rebuilt), STORAGE. Thread-safe. */
DELTACKPT_EXPORT int deltackpt_save(deltackpt_store_t* store, const char* checkpoint_json,
                                    unsigned flags, char** checkpoint_id) DELTACKPT_C_NOEXCEPT;

/* Saves a checkpoint whose state is its parent's with a delta applied
 * (Checkpointer::save_delta): `checkpoint_json` as for deltackpt_save() but
 * without "state" and with "parent_id"; `delta_json` a delta in the format
 * of docs/delta-format.md ({"v": 1, ...}). Costs what the delta holds, not
 * the state, when the parent was saved or loaded by this store. Flags:
 * DELTACKPT_SAVE_FORK. Ownership and out parameter as deltackpt_save().
 * Errors: INVALID_ARGUMENT (no parent_id, a "state", a delta that does not
 * apply to the parent or sets values the limits refuse; nothing written),
 * NOT_FOUND (the parent is not of this thread and namespace), CONFLICT,
 * CORRUPTION, STORAGE, as deltackpt_save(). Thread-safe. */
DELTACKPT_EXPORT int deltackpt_save_delta(deltackpt_store_t* store, const char* checkpoint_json,
                                          const char* delta_json, unsigned flags,
                                          char** checkpoint_id) DELTACKPT_C_NOEXCEPT;

/* The latest checkpoint of the thread's root namespace (""), as the JSON
 * object deltackpt_save() takes, with every key present: thread_id,
 * checkpoint_ns, checkpoint_id, parent_id (null for a first checkpoint),
 * step, created_at, metadata, pending_nodes, state. *checkpoint_json is NULL when the thread has no checkpoints (status
 * DELTACKPT_OK). Ownership: the caller frees *checkpoint_json with
 * deltackpt_free(). Errors: INVALID_ARGUMENT (NULL or invalid thread id),
 * CORRUPTION (a row of the chain is damaged; the message names it), STORAGE.
 * Thread-safe. */
DELTACKPT_EXPORT int deltackpt_load(deltackpt_store_t* store, const char* thread_id,
                                    char** checkpoint_json) DELTACKPT_C_NOEXCEPT;

/* The latest checkpoint of namespace `checkpoint_ns` ("" is the root) of the
 * thread, as deltackpt_load() returns it. Ownership and errors as
 * deltackpt_load(). Thread-safe. */
DELTACKPT_EXPORT int deltackpt_load_ns(deltackpt_store_t* store, const char* thread_id,
                                       const char* checkpoint_ns, char** checkpoint_json) DELTACKPT_C_NOEXCEPT;

/* The checkpoint `checkpoint_id`, as deltackpt_load() returns it; NULL with
 * DELTACKPT_OK when there is no such checkpoint. Ownership and errors as
 * deltackpt_load(). Thread-safe. */
DELTACKPT_EXPORT int deltackpt_load_by_id(deltackpt_store_t* store, const char* checkpoint_id,
                                          char** checkpoint_json) DELTACKPT_C_NOEXCEPT;

/* The header of checkpoint `checkpoint_id` without its state, one object as
 * deltackpt_list() returns them; NULL with DELTACKPT_OK when there is no
 * such checkpoint. One lookup, no replay: the cheap way to ask whether a
 * checkpoint exists. Ownership and errors as deltackpt_load(). Thread-safe. */
DELTACKPT_EXPORT int deltackpt_info(deltackpt_store_t* store, const char* checkpoint_id,
                                    char** info_json) DELTACKPT_C_NOEXCEPT;

/* Headers of the checkpoints of thread `thread_id` (of every thread when it
 * is NULL), newest first, without states: a JSON array of objects with
 * thread_id, checkpoint_ns, checkpoint_id, parent_id (string or null), step,
 * created_at, metadata, pending_nodes, kind ("full" or "delta"), base_id,
 * depth, stored_bytes, state_bytes. An unknown thread gives [].
 * `options_json` is NULL, "" or a JSON object with any of:
 *   {"checkpoint_ns": "",             only this namespace ("" the root; absent: every one)
 *    "order": "saved",                newest first as saved, or "checkpoint_id": by id,
 *                                     descending (LangGraph's order), `before` comparing ids
 *    "limit": 10,                     at most this many (0: no limit)
 *    "before": "<checkpoint_id>",     only checkpoints saved before this one (an id not
 *                                     stored: those whose id sorts before it)
 *    "metadata_filter": {"k": "v"},   only those whose metadata has these top-level keys
 *                                     with exactly these values
 *    "with_states": true,             each element is what deltackpt_load() returns instead
 *                                     (one chain query for the whole list)
 *    "with_writes": true}             with "with_states": each also has "writes", as
 *                                     deltackpt_writes() returns them
 * Ownership: the caller frees *infos_json with deltackpt_free().
 * Errors: INVALID_ARGUMENT (bad thread id, bad options), CORRUPTION (with
 * states), STORAGE. Thread-safe. */
DELTACKPT_EXPORT int deltackpt_list(deltackpt_store_t* store, const char* thread_id,
                                    const char* options_json, char** infos_json) DELTACKPT_C_NOEXCEPT;

/* The namespaces of the thread that have checkpoints, sorted ("" first), as
 * a JSON array of strings. Ownership: the caller frees *namespaces_json with
 * deltackpt_free(). Errors: INVALID_ARGUMENT, STORAGE. Thread-safe. */
DELTACKPT_EXPORT int deltackpt_namespaces(deltackpt_store_t* store, const char* thread_id,
                                          char** namespaces_json) DELTACKPT_C_NOEXCEPT;

/* Stores pending writes (task results saved against a checkpoint before the
 * next one exists) in one transaction. `writes_json`:
 *   {"thread_id": "t1", "checkpoint_ns": "", "checkpoint_id": "...",
 *    "writes": [{"task_id": "...",    required
 *                "task_path": "...",  optional, default ""
 *                "idx": 0,            the write's place in its task; negative: a special
 *                                     write (LangGraph's WRITES_IDX_MAP)
 *                "channel": "...",    required
 *                "type": "json",      the serializer's type tag, default ""
 *                "value": "..."}]}    text, or {"base64": "..."} for any bytes
 * A (task_id, idx) already stored for the checkpoint keeps its value, unless
 * every write of the call has a negative idx: then they replace it. The
 * checkpoint need not exist yet. Errors: INVALID_ARGUMENT, STORAGE; a failed
 * call writes nothing. Thread-safe. */
DELTACKPT_EXPORT int deltackpt_put_writes(deltackpt_store_t* store, const char* writes_json) DELTACKPT_C_NOEXCEPT;

/* The pending writes of the checkpoint `key_json` names ({"thread_id",
 * "checkpoint_ns", "checkpoint_id"}), sorted by (task_path, task_id, idx):
 * a JSON array of {task_id, task_path, idx, channel, type, value}, the value
 * a string when it is UTF-8 text, else {"base64": "..."}. Ownership: the
 * caller frees *writes_json with deltackpt_free(). Errors:
 * INVALID_ARGUMENT, CORRUPTION, STORAGE. Thread-safe. */
DELTACKPT_EXPORT int deltackpt_writes(deltackpt_store_t* store, const char* key_json,
                                      char** writes_json) DELTACKPT_C_NOEXCEPT;

/* Every checkpoint of the thread's root namespace with its state, oldest first (parents
 * before children, every branch), as a JSON array of what deltackpt_load()
 * returns; [] for an unknown thread. Ownership: the caller frees
 * *checkpoints_json with deltackpt_free(). Errors: INVALID_ARGUMENT,
 * CORRUPTION, STORAGE. Thread-safe. */
DELTACKPT_EXPORT int deltackpt_history(deltackpt_store_t* store, const char* thread_id,
                                       char** checkpoints_json) DELTACKPT_C_NOEXCEPT;

/* Ids of all threads that have checkpoints or pending writes, sorted, as a JSON array of
 * strings. Ownership: the caller frees *thread_ids_json with
 * deltackpt_free(). Errors: STORAGE. Thread-safe. */
DELTACKPT_EXPORT int deltackpt_threads(deltackpt_store_t* store,
                                       char** thread_ids_json) DELTACKPT_C_NOEXCEPT;

/* Deletes every checkpoint of the thread, in every namespace, and its
 * pending writes. When `removed` is not NULL,
 * *removed receives how many there were (0 for an unknown thread).
 * Errors: INVALID_ARGUMENT, STORAGE. Thread-safe. */
DELTACKPT_EXPORT int deltackpt_remove_thread(deltackpt_store_t* store, const char* thread_id,
                                             size_t* removed) DELTACKPT_C_NOEXCEPT;

/* Deletes the checkpoints of the thread that `policy_json` (required) does
 * not keep:
 *   {"keep_last": 50,                 keep at most this many of the newest
 *    "max_age_seconds": 604800,       delete those older than this (may be fractional)
 *    "checkpoint_ns": ""}             the namespace to prune, default "" (the root)
 * (either or both; {} deletes nothing). The newest checkpoint is
 * always kept, and so is everything a kept checkpoint needs to load.
 * Ownership: when `result_json` is not NULL, *result_json receives
 * {"removed": n, "rewritten": m} (m: kept deltas rewritten as full rows),
 * which the caller frees with deltackpt_free(). Errors: INVALID_ARGUMENT,
 * CORRUPTION, STORAGE; a failed prune changes nothing. Thread-safe. */
DELTACKPT_EXPORT int deltackpt_prune(deltackpt_store_t* store, const char* thread_id,
                                     const char* policy_json, char** result_json) DELTACKPT_C_NOEXCEPT;

/* What is stored, from the rows' headers (no payload is read), for one
 * thread, or for all when `thread_id` is NULL or "":
 *   {"total": {"threads", "checkpoints", "full_rows", "delta_rows",
 *              "stored_bytes", "full_state_bytes", "ratio", "longest_chain",
 *              "largest_row_bytes", "largest_row_id", "writes", "write_bytes",
 *              "orphan_writes"},
 *    "threads": [{"thread_id", ...the same keys but "threads"}, ...],
 *    "saves": {"full_rows", "delta_rows", "deltas_refused", "parents_rebuilt"},
 *    "cache": {"hits", "misses", "evictions", "entries", "bytes", "capacity_bytes"}}
 * "saves" (a store opened with deltas) counts what this handle's saves wrote
 * since it was opened; "deltas_refused" are deltas that did not rebuild
 * their state, written as full rows instead: anything but 0 is a bug worth
 * reporting; "parents_rebuilt" are saves whose parent was not in the state
 * cache and was read back and replayed. "cache" is the handle's state cache
 * ("cache_bytes"): lookups found and missed, states evicted, and what it
 * holds now; a cache that holds the live threads' heads keeps
 * "parents_rebuilt" near 0.
 * Ownership: the caller frees *stats_json with deltackpt_free().
 * Errors: INVALID_ARGUMENT, STORAGE. Thread-safe. */
DELTACKPT_EXPORT int deltackpt_stats(deltackpt_store_t* store, const char* thread_id,
                                     char** stats_json) DELTACKPT_C_NOEXCEPT;

/* Replays every chain of one thread (all threads when `thread_id` is NULL or
 * "") and checks every row. Damage is reported, not returned as an error:
 *   {"ok": false, "threads": 1, "checkpoints": 12,
 *    "problems": [{"thread_id", "checkpoint_id", "message"}, ...],
 *    "orphan_writes": [{"thread_id", "checkpoint_ns", "checkpoint_id", "writes"}]}
 * (orphan writes: saved against a checkpoint that is not stored; not a problem)
 * Ownership: the caller frees *report_json with deltackpt_free().
 * Errors: INVALID_ARGUMENT, STORAGE. Thread-safe. */
DELTACKPT_EXPORT int deltackpt_verify(deltackpt_store_t* store, const char* thread_id,
                                      char** report_json) DELTACKPT_C_NOEXCEPT;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* DELTACKPT_C_H_ */
