// The Checkpointer interface: what an agent runtime calls to save and restore state.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "deltackpt/checkpoint.hpp"
#include "deltackpt/export.hpp"

namespace deltackpt {

// A Checkpointer stores the checkpoints of many threads of agent state. A
// thread holds one chain of checkpoints per namespace (Checkpoint::
// checkpoint_ns; "" for the root graph); methods that take a thread and no
// namespace mean the root namespace, unless they say "every namespace".
// Every implementation is safe to call from many threads at once.
// Errors are thrown as deltackpt::Error subclasses (errors.hpp); absence is
// std::nullopt.
class DELTACKPT_EXPORT Checkpointer {
 public:
  virtual ~Checkpointer() = default;

  // Stores `cp` and returns its id (generated when cp.checkpoint_id is empty).
  // Throws InvalidArgument for unusable input, NotFound for an unknown
  // parent, Conflict when the thread's head moved (see SaveOptions::fork)
  // or when cp.checkpoint_id is taken by a checkpoint with other content
  // (in any thread or namespace: ids are unique in a store).
  // Saving a checkpoint again exactly as it was saved (a retry after a lost
  // acknowledgement) succeeds and writes nothing: ids are never overwritten,
  // as later rows may be deltas against the state saved under them. A failed
  // save writes nothing.
  virtual std::string save(const Checkpoint& cp, const SaveOptions& options) = 0;
  std::string save(const Checkpoint& cp) { return save(cp, SaveOptions{}); }

  // Stores a checkpoint whose state is its parent's with `delta` applied
  // (the delta format of docs/delta-format.md, what diff() writes), so a
  // runtime that knows what changed (LangGraph's new channel versions) pays
  // for the change, not the state: cp.parent_id names the parent, cp.state
  // is ignored. The delta is checked like a state (limits, UTF-8, numbers)
  // where it sets values, and must fit the parent's state; otherwise
  // InvalidArgument, and nothing is written. Whether the row is stored as
  // this delta or as a full row is the checkpointer's policy, as for save().
  // Errors and retries as save(); options.root is refused.
  // The default loads the parent and saves the whole state.
  virtual std::string save_delta(const Checkpoint& cp, const Json& delta, const SaveOptions& options);
  std::string save_delta(const Checkpoint& cp, const Json& delta) { return save_delta(cp, delta, SaveOptions{}); }

  // The latest checkpoint of (thread, namespace); std::nullopt if none.
  virtual std::optional<Checkpoint> load(std::string_view thread_id, std::string_view checkpoint_ns) = 0;
  std::optional<Checkpoint> load(std::string_view thread_id) { return load(thread_id, ""); }
  virtual std::optional<Checkpoint> load_by_id(std::string_view checkpoint_id) = 0;

  // The checkpoint's header without its state (one lookup, no replay):
  // whether it exists, its thread, namespace and parent. std::nullopt if
  // unknown.
  virtual std::optional<CheckpointInfo> info(std::string_view checkpoint_id) = 0;

  // Headers of the checkpoints `options` select, newest first, without
  // states.
  virtual std::vector<CheckpointInfo> list(const ListOptions& options) = 0;
  // Every namespace of one thread.
  std::vector<CheckpointInfo> list(std::string_view thread_id, ListOptions options = {}) {
    options.thread_id = std::string(thread_id);
    return list(options);
  }
  // The same selection with each checkpoint's state (and its pending writes
  // when options.with_writes), rebuilt with one chain query and one forward
  // replay for the whole page rather than one load per checkpoint.
  virtual std::vector<ListedCheckpoint> list_states(const ListOptions& options) = 0;

  // Every checkpoint of (thread, namespace) with its state, oldest first,
  // rebuilt in one forward pass over the thread's rows.
  virtual std::vector<Checkpoint> history(std::string_view thread_id, std::string_view checkpoint_ns) = 0;
  std::vector<Checkpoint> history(std::string_view thread_id) { return history(thread_id, ""); }

  // Ids of all threads that have checkpoints or pending writes, sorted.
  virtual std::vector<std::string> threads() = 0;
  // The namespaces of the thread that have checkpoints, sorted ("" first).
  virtual std::vector<std::string> namespaces(std::string_view thread_id) = 0;

  // Deletes every checkpoint of the thread, in every namespace, and every
  // pending write saved against the thread; returns how many checkpoints
  // there were.
  virtual std::size_t remove_thread(std::string_view thread_id) = 0;

  // Deletes the checkpoints of (thread, namespace) `policy` does not keep,
  // and their pending writes. The newest checkpoint is always kept, and so
  // is everything a kept checkpoint needs to load.
  virtual PruneResult prune(std::string_view thread_id, std::string_view checkpoint_ns,
                            const RetentionPolicy& policy) = 0;
  PruneResult prune(std::string_view thread_id, const RetentionPolicy& policy) {
    return prune(thread_id, "", policy);
  }

  // Stores `writes` against the checkpoint `key` names, in one transaction,
  // with LangGraph's semantics: a write whose (task_id, idx) is already
  // stored for that checkpoint is ignored, unless every write of the call has
  // a negative idx, in which case they replace the stored ones. The
  // checkpoint need not exist yet (runtimes write while it is being saved);
  // writes whose checkpoint never arrives stay until their thread is
  // removed, and verify() and stats() report them as orphans.
  virtual void put_writes(const CheckpointKey& key, const std::vector<PendingWrite>& writes) = 0;
  // The pending writes stored against `key`, sorted by (task_path, task_id,
  // idx) as LangGraph sorts them.
  virtual std::vector<PendingWrite> writes(const CheckpointKey& key) = 0;
};

}  // namespace deltackpt
