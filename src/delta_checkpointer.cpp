// DeltaCheckpointer forwards to the shared row implementation with deltas on.
#include "deltackpt/delta_checkpointer.hpp"

#include "deltackpt/errors.hpp"
#include "row_checkpointer.hpp"

namespace deltackpt {

DeltaCheckpointer::DeltaCheckpointer(std::unique_ptr<Checkpointer> inner, DeltaOptions options)
    : inner_(std::move(inner)) {
  if (!inner_) throw InvalidArgument("deltackpt: DeltaCheckpointer needs a checkpointer to wrap");
  RowStore* store = inner_->row_store();
  if (store == nullptr) {
    throw InvalidArgument(
        "deltackpt: DeltaCheckpointer can only wrap a checkpointer with a row_store() "
        "(open_memory, open_sqlite, open_postgres)");
  }
  impl_ = std::make_unique<detail::RowCheckpointer>(*store, std::move(options), true);
}

DeltaCheckpointer::~DeltaCheckpointer() = default;

std::string DeltaCheckpointer::save(const Checkpoint& cp, const SaveOptions& options) {
  return impl_->save(cp, options);
}
std::optional<Checkpoint> DeltaCheckpointer::load(std::string_view thread_id) {
  return impl_->load(thread_id);
}
std::optional<Checkpoint> DeltaCheckpointer::load_by_id(std::string_view checkpoint_id) {
  return impl_->load_by_id(checkpoint_id);
}
std::vector<CheckpointInfo> DeltaCheckpointer::list(std::string_view thread_id,
                                                    const ListOptions& options) {
  return impl_->list(thread_id, options);
}
std::vector<Checkpoint> DeltaCheckpointer::history(std::string_view thread_id) {
  return impl_->history(thread_id);
}
std::vector<std::string> DeltaCheckpointer::threads() { return impl_->threads(); }
std::size_t DeltaCheckpointer::remove_thread(std::string_view thread_id) {
  return impl_->remove_thread(thread_id);
}
PruneResult DeltaCheckpointer::prune(std::string_view thread_id, const RetentionPolicy& policy) {
  return impl_->prune(thread_id, policy);
}
RowStore* DeltaCheckpointer::row_store() noexcept { return impl_->row_store(); }
const DeltaOptions& DeltaCheckpointer::options() const noexcept { return impl_->options(); }
SaveCounters DeltaCheckpointer::counters() const noexcept { return impl_->counters(); }

Json to_json(const SaveCounters& counters) {
  return {{"full_rows", counters.full_rows},
          {"delta_rows", counters.delta_rows},
          {"deltas_refused", counters.deltas_refused}};
}

}  // namespace deltackpt
