// Rebuilding states row by row.
#include "replay.hpp"

#include "deltackpt/diff.hpp"
#include "deltackpt/errors.hpp"
#include "row_codec.hpp"

namespace deltackpt::detail {

Json rebuild_row(const StoredRow& row, const Json* parent, const Limits& limits) {
  const RowHeader& h = row.header;
  if (h.kind == RowKind::kFull) {
    Json state = parse_payload(row, limits);
    if (!state.is_object()) throw_row_corruption(h, "full row's state is not a JSON object");
    return state;
  }
  if (parent == nullptr) {
    throw_row_corruption(h, "the row its delta is against (" + h.parent_id + ") is missing");
  }
  Json state = *parent;
  apply_row_delta(state, row, limits);
  return state;
}

std::size_t apply_row_delta(Json& state, const StoredRow& row, const Limits& limits) {
  const std::string text = payload_text(row, limits);
  const Json delta = parse_column(text, "payload", row.header, limits);
  try {
    apply_delta_in_place(state, delta);
  } catch (const Corruption& e) {
    throw_row_corruption(row.header, e.what());
  } catch (const Json::exception& e) {
    throw_row_corruption(row.header, std::string("delta cannot be applied: ") + e.what());
  }
  if (!state.is_object()) throw_row_corruption(row.header, "rebuilt state is not a JSON object");
  return text.size();
}

ForwardReplay::ForwardReplay(const std::vector<StoredRow>& rows, const Limits& limits)
    : rows_(rows), limits_(limits) {
  for (const auto& row : rows_) slots_.emplace(row.header.checkpoint_id, Slot{});
  // Every child keeps its parent's state alive until it has been visited:
  // a delta needs it to rebuild, compact() needs it to diff against.
  for (const auto& row : rows_) {
    if (auto it = slots_.find(row.header.parent_id); it != slots_.end()) ++it->second.children_left;
  }
}

ForwardReplay::Step ForwardReplay::next(std::size_t i) {
  const StoredRow& row = rows_[i];
  Slot& slot = slots_.at(row.header.checkpoint_id);
  Step step;
  Slot* parent = nullptr;
  if (auto it = slots_.find(row.header.parent_id); it != slots_.end()) parent = &it->second;
  const bool is_delta = row.header.kind == RowKind::kDelta;
  // Whatever happens, this child no longer needs its parent's state.
  struct Release {
    Slot* parent;
    ~Release() {
      if (parent != nullptr && --parent->children_left == 0) parent->state.reset();
    }
  } release{parent};
  if (parent != nullptr) {
    if (parent->bad && is_delta) {
      slot.bad = true;
      throw_row_corruption(row.header, "its delta chain passes through bad checkpoint " +
                                           row.header.parent_id);
    }
    step.parent = parent->state;
  }
  try {
    step.state = std::make_shared<const Json>(
        rebuild_row(row, is_delta ? step.parent.get() : nullptr, limits_));
  } catch (...) {
    slot.bad = true;
    throw;
  }
  if (slot.children_left > 0) slot.state = step.state;
  return step;
}

}  // namespace deltackpt::detail
