// Plain value types: a checkpoint, its header, and the options of queries on them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "deltackpt/export.hpp"
#include "deltackpt/json.hpp"

namespace deltackpt {

// UTC time with microsecond precision (what PostgreSQL's timestamptz keeps).
using Timestamp = std::chrono::sys_time<std::chrono::microseconds>;

// The current time, truncated to microseconds.
DELTACKPT_EXPORT Timestamp now() noexcept;

// "2026-11-22T02:29:23.123456Z". Sorts like the time it names.
DELTACKPT_EXPORT std::string format_timestamp(Timestamp t);
// Parses ISO-8601 / RFC 3339 date-times: what format_timestamp writes, any
// number of fraction digits (beyond microseconds dropped), 'T' or ' ' between
// date and time, and "Z" or a "+HH:MM" offset (converted to UTC). Throws
// InvalidArgument on anything else.
DELTACKPT_EXPORT Timestamp parse_timestamp(const std::string& text);

// A time-ordered unique id (UUIDv7 text, e.g. "0193a5b2-...-7..."): ids made by
// one process sort in the order they were made.
DELTACKPT_EXPORT std::string new_checkpoint_id();

// One saved state of one agent thread.
struct Checkpoint {
  std::string thread_id;
  // The namespace within the thread: "" for the root graph; a subgraph
  // (LangGraph's checkpoint_ns, such as "node:<id>" or "parent|child") keeps
  // its own chain of checkpoints on the same thread. Heads, parents and
  // forks never cross namespaces.
  std::string checkpoint_ns;
  // Empty on save: a new time-ordered id is generated.
  std::string checkpoint_id;
  // Empty on save: the latest checkpoint of (thread, namespace) at save time
  // (none for the first). Empty on load when the row has no parent.
  std::string parent_id;
  std::int64_t step = 0;
  // Must be a JSON object.
  Json state = Json::object();
  // Graph nodes still to run, as the runtime names them (adk-graph's
  // pending nodes; not LangGraph's pending writes, which are task results).
  std::vector<std::string> pending_nodes;
  // Must be a JSON object. Free-form; list() can filter on it.
  Json metadata = Json::object();
  // Zero (the default) on save: set to now().
  Timestamp created_at{};
};

// How a checkpoint is stored.
enum class RowKind {
  kFull,   // the whole state
  kDelta,  // a delta against the parent checkpoint's state
};
DELTACKPT_EXPORT const char* to_string(RowKind kind) noexcept;

// A checkpoint without its state, as list() returns it.
struct CheckpointInfo {
  std::string thread_id;
  std::string checkpoint_ns;
  std::string checkpoint_id;
  std::string parent_id;  // empty: none
  std::int64_t step = 0;
  Timestamp created_at{};
  Json metadata = Json::object();
  std::vector<std::string> pending_nodes;
  RowKind kind = RowKind::kFull;
  std::string base_id;          // the full row this checkpoint's chain starts from
  std::int32_t depth = 0;       // deltas between base_id and this row (0 for full rows)
  std::int64_t stored_bytes = 0;  // payload bytes as stored
  std::int64_t state_bytes = 0;   // bytes of the state as compact JSON
};

// "Its thread" below means its (thread_id, checkpoint_ns).
struct SaveOptions {
  // When false (the default) a save must extend the thread's latest
  // checkpoint: an explicit parent_id that is no longer the latest is a
  // Conflict, so two writers can never both extend the same parent.
  // When true, parent_id may be any checkpoint of the thread (time travel):
  // the new checkpoint starts a branch and becomes the thread's latest.
  bool fork = false;
  // When true, the checkpoint is a new root of its thread: it has no parent
  // (parent_id must be empty) even if the thread has checkpoints, is stored
  // as a full row, and becomes the thread's latest. Runtimes that start a
  // fresh run on an existing thread (LangGraph does) save such roots; an
  // empty parent_id without it means "the latest".
  bool root = false;
};

// The order of list() results, newest first.
enum class ListOrder {
  // The order the store took the saves in: always meaningful.
  kSaved,
  // checkpoint_id descending, byte for byte, and `before` compares ids: the
  // order LangGraph's savers list in, which is the time order for
  // time-ordered ids (UUIDv6/v7, new_checkpoint_id) whoever saved them.
  kCheckpointId,
};

// Which checkpoints list() and list_states() return, and in what order.
struct ListOptions {
  // Only this thread's; std::nullopt: every thread's.
  std::optional<std::string> thread_id;
  // Only this namespace's ("" is the root graph's); std::nullopt: every
  // namespace's.
  std::optional<std::string> checkpoint_ns;
  // At most this many results; 0 means no limit.
  std::size_t limit = 0;
  // Only checkpoints before this one (exclusive) in the list's order. With
  // ListOrder::kSaved, when no checkpoint has this id (a runtime may pass
  // one from another namespace), those whose id sorts before it byte for
  // byte, which for time-ordered ids is the time order. Empty: no bound.
  std::string before;
  // Only checkpoints whose metadata has every top-level key of this object
  // with an equal value (exact comparison, see same_value).
  Json metadata_filter = Json::object();
  ListOrder order = ListOrder::kSaved;
  // list_states() only: also read each checkpoint's pending writes.
  bool with_writes = false;
};

// A checkpoint as runtimes key it. Checkpoint ids are unique in a store
// (a save of an id another thread or namespace holds is a Conflict), so the
// id alone finds a checkpoint; pending writes are keyed by all three.
struct CheckpointKey {
  std::string thread_id;
  std::string checkpoint_ns;
  std::string checkpoint_id;
};

// A task's result written against a checkpoint before the next checkpoint
// exists (LangGraph's pending writes), so an interrupted step resumes
// without running finished tasks again.
struct PendingWrite {
  std::string task_id;
  // Where the task sits in the graph (LangGraph's task_path); may be empty.
  std::string task_path;
  // The write's place among its task's writes (0, 1, ...), or negative for
  // a special write that replaces the task's earlier one of that idx
  // (LangGraph's WRITES_IDX_MAP: error -1, scheduled -2, interrupt -3,
  // resume -4). See Checkpointer::put_writes.
  std::int64_t idx = 0;
  std::string channel;
  // The runtime serializer's type tag for `value` ("json", "bytes", ...).
  std::string type;
  // The value exactly as the runtime's serializer produced it: any bytes,
  // stored and returned unchanged, never parsed or diffed.
  std::string value;
};

// A listed checkpoint with its state, as list_states() returns it.
struct ListedCheckpoint {
  Checkpoint checkpoint;
  std::vector<PendingWrite> writes;  // when ListOptions::with_writes
};

struct RetentionPolicy {
  // Keep at most this many of the newest checkpoints.
  std::optional<std::size_t> keep_last;
  // Delete checkpoints older than this.
  std::optional<std::chrono::microseconds> max_age;
};

struct PruneResult {
  std::size_t removed = 0;    // checkpoints deleted
  std::size_t rewritten = 0;  // kept deltas rewritten as full rows
};

// The JSON forms the CLI's --json output and the C API print (docs/cli.md
// lists the fields): ids that may be empty (parent_id) are null when empty,
// times are format_timestamp text, kinds are to_string(RowKind).
// {thread_id, checkpoint_ns, checkpoint_id, parent_id, step, created_at,
// metadata, pending_nodes, state}; the state is moved out of `cp`.
DELTACKPT_EXPORT Json to_json(Checkpoint cp);
// The same without state, plus {kind, base_id, depth, stored_bytes, state_bytes}.
DELTACKPT_EXPORT Json to_json(const CheckpointInfo& info);
// {removed, rewritten}.
DELTACKPT_EXPORT Json to_json(const PruneResult& result);
// {task_id, task_path, idx, channel, type, value}: the value as a string when
// it is valid UTF-8 text, else {"base64": "..."}.
DELTACKPT_EXPORT Json to_json(const PendingWrite& write);

}  // namespace deltackpt
