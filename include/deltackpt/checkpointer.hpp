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

// A Checkpointer stores the checkpoints of many threads of agent state.
// Every implementation is safe to call from many threads at once.
// Errors are thrown as deltackpt::Error subclasses (errors.hpp); absence is
// std::nullopt.
class DELTACKPT_EXPORT Checkpointer {
 public:
  virtual ~Checkpointer() = default;

  // Stores `cp` and returns its id (generated when cp.checkpoint_id is empty).
  // Throws InvalidArgument for unusable input, NotFound for an unknown
  // parent, Conflict when the thread's head moved (see SaveOptions::fork)
  // or when cp.checkpoint_id is taken by a checkpoint with other content.
  // Saving a checkpoint again exactly as it was saved (a retry after a lost
  // acknowledgement) succeeds and writes nothing: ids are never overwritten,
  // as later rows may be deltas against the state saved under them. A failed
  // save writes nothing.
  virtual std::string save(const Checkpoint& cp, const SaveOptions& options) = 0;
  std::string save(const Checkpoint& cp) { return save(cp, SaveOptions{}); }

  // The thread's latest checkpoint; std::nullopt if the thread has none.
  virtual std::optional<Checkpoint> load(std::string_view thread_id) = 0;
  virtual std::optional<Checkpoint> load_by_id(std::string_view checkpoint_id) = 0;

  // The checkpoint's header without its state (one lookup, no replay):
  // whether it exists, its thread and parent. std::nullopt if unknown.
  virtual std::optional<CheckpointInfo> info(std::string_view checkpoint_id) = 0;

  // Headers of the thread's checkpoints, newest first, without states.
  virtual std::vector<CheckpointInfo> list(std::string_view thread_id,
                                           const ListOptions& options) = 0;
  std::vector<CheckpointInfo> list(std::string_view thread_id) {
    return list(thread_id, ListOptions{});
  }

  // Every checkpoint of the thread with its state, oldest first, rebuilt in
  // one forward pass over the thread's rows.
  virtual std::vector<Checkpoint> history(std::string_view thread_id) = 0;

  // Ids of all threads that have checkpoints, sorted.
  virtual std::vector<std::string> threads() = 0;

  // Deletes every checkpoint of the thread; returns how many there were.
  virtual std::size_t remove_thread(std::string_view thread_id) = 0;

  // Deletes the checkpoints `policy` does not keep. The newest checkpoint is
  // always kept, and so is everything a kept checkpoint needs to load.
  virtual PruneResult prune(std::string_view thread_id,
                            const RetentionPolicy& policy) = 0;
};

}  // namespace deltackpt
