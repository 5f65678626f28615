// What every Checkpointer gets unless it does better.
#include "deltackpt/checkpointer.hpp"

#include "deltackpt/diff.hpp"
#include "deltackpt/errors.hpp"

namespace deltackpt {

std::string Checkpointer::save_delta(const Checkpoint& cp, const Json& delta, const SaveOptions& options) {
  const std::string where = "deltackpt: save_delta(thread=" + cp.thread_id + ")";
  if (options.root || cp.parent_id.empty()) throw InvalidArgument(where + ": a delta needs the parent_id it applies to");
  auto parent = load_by_id(cp.parent_id);
  if (!parent || parent->thread_id != cp.thread_id || parent->checkpoint_ns != cp.checkpoint_ns) {
    throw NotFound(where + ": parent " + cp.parent_id + " is not a checkpoint of this thread and namespace");
  }
  Checkpoint full = cp;
  try {
    full.state = apply_delta(parent->state, delta);
  } catch (const Corruption& e) {
    throw InvalidArgument(where + ": the delta does not apply to parent " + cp.parent_id + ": " + e.what());
  } catch (const Json::exception& e) {
    throw InvalidArgument(where + ": the delta does not apply to parent " + cp.parent_id + ": " + e.what());
  }
  return save(full, options);
}

}  // namespace deltackpt
