// CheckpointerWrapper: the base for decorators of your own.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "deltackpt/checkpointer.hpp"

namespace deltackpt {

/**
 * A Checkpointer that forwards every call to another. Derive from it and
 * override what your decorator changes (metrics, logging, access checks,
 * retries); the rest passes through. Thread-safe when the target is.
 *
 * **Example**:
 *   class CountingSaves : public deltackpt::CheckpointerWrapper {
 *    public:
 *     using CheckpointerWrapper::CheckpointerWrapper;
 *     using Checkpointer::save;
 *     std::string save(const Checkpoint& cp, const SaveOptions& o) override {
 *       ++saves;
 *       return CheckpointerWrapper::save(cp, o);
 *     }
 *     std::atomic<int> saves{0};
 *   };
 */
class CheckpointerWrapper : public Checkpointer {
 public:
  // Borrows `target`, which must outlive this object.
  explicit CheckpointerWrapper(Checkpointer& target) noexcept : target_(target) {}

  Checkpointer& target() const noexcept { return target_; }

  using Checkpointer::history;
  using Checkpointer::list;
  using Checkpointer::load;
  using Checkpointer::prune;
  using Checkpointer::save;
  using Checkpointer::save_delta;
  std::string save(const Checkpoint& cp, const SaveOptions& options) override { return target_.save(cp, options); }
  std::string save_delta(const Checkpoint& cp, const Json& delta, const SaveOptions& options) override {
    return target_.save_delta(cp, delta, options);
  }
  std::optional<Checkpoint> load(std::string_view thread_id, std::string_view checkpoint_ns) override {
    return target_.load(thread_id, checkpoint_ns);
  }
  std::optional<Checkpoint> load_by_id(std::string_view checkpoint_id) override {
    return target_.load_by_id(checkpoint_id);
  }
  std::optional<CheckpointInfo> info(std::string_view checkpoint_id) override { return target_.info(checkpoint_id); }
  std::vector<CheckpointInfo> list(const ListOptions& options) override { return target_.list(options); }
  std::vector<ListedCheckpoint> list_states(const ListOptions& options) override {
    return target_.list_states(options);
  }
  std::vector<Checkpoint> history(std::string_view thread_id, std::string_view checkpoint_ns) override {
    return target_.history(thread_id, checkpoint_ns);
  }
  std::vector<std::string> threads() override { return target_.threads(); }
  std::vector<std::string> namespaces(std::string_view thread_id) override { return target_.namespaces(thread_id); }
  std::size_t remove_thread(std::string_view thread_id) override { return target_.remove_thread(thread_id); }
  PruneResult prune(std::string_view thread_id, std::string_view checkpoint_ns,
                    const RetentionPolicy& policy) override {
    return target_.prune(thread_id, checkpoint_ns, policy);
  }
  void put_writes(const CheckpointKey& key, const std::vector<PendingWrite>& writes) override {
    target_.put_writes(key, writes);
  }
  std::vector<PendingWrite> writes(const CheckpointKey& key) override { return target_.writes(key); }

 private:
  Checkpointer& target_;
};

}  // namespace deltackpt
