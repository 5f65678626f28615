// Rebuilding states row by row.
#include "replay.hpp"

#include "deltackpt/diff.hpp"
#include "deltackpt/errors.hpp"
#include "row_codec.hpp"

namespace deltackpt::detail {

FullRowState read_full_row(const StoredRow& row, const Limits& limits, KeepDictionary keep) {
  std::string text = payload_text(row, limits);
  FullRowState out{parse_column(text, "payload", row.header, limits), nullptr};
  if (!out.state.is_object()) throw_row_corruption(row.header, "full row's state is not a JSON object");
  if (keep == KeepDictionary::kForReading) {
    out.dictionary = ChainDictionary::for_reading(std::move(text), row.header.checksum);
  } else if (keep == KeepDictionary::kForWriting) {
    out.dictionary = ChainDictionary::for_writing(std::move(text), row.header.checksum);
  }
  return out;
}

std::size_t apply_row_delta(Json& state, const StoredRow& row, const Limits& limits, const ChainDictionary* chain) {
  const std::string text = payload_text(row, limits, chain);
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

std::string last_payload_text(const std::vector<StoredRow>& chain, const Limits& limits) {
  const StoredRow& row = chain.back();
  std::shared_ptr<const ChainDictionary> dictionary;
  if (row.header.encoding == kZstdChainEncoding && chain.front().header.kind == RowKind::kFull) {
    const StoredRow& base = chain.front();
    dictionary = ChainDictionary::for_reading(payload_text(base, limits), base.header.checksum);
  }
  return payload_text(row, limits, dictionary.get());
}

bool has_chain_deltas(const std::vector<StoredRow>& rows, std::string_view base_id) {
  for (const auto& row : rows) {
    if (row.header.base_id == base_id && row.header.encoding == kZstdChainEncoding) return true;
  }
  return false;
}

ForwardReplay::ForwardReplay(const std::vector<StoredRow>& rows, const Limits& limits)
    : rows_(rows), limits_(limits) {
  for (const auto& row : rows_) slots_.emplace(row.header.checkpoint_id, Slot{});
  // Every child keeps its parent's state alive until it has been visited:
  // a delta needs it to rebuild, compact() needs it to diff against.
  for (const auto& row : rows_) {
    if (auto it = slots_.find(row.header.parent_id); it != slots_.end()) ++it->second.children_left;
    // A full row's text is kept while zstd-chain deltas against it remain.
    if (row.header.kind == RowKind::kDelta && row.header.encoding == kZstdChainEncoding) {
      ++dictionaries_[row.header.base_id].deltas_left;
    }
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
    if (!is_delta) {
      const auto waiting = dictionaries_.find(row.header.checkpoint_id);
      FullRowState full = read_full_row(row, limits_,
                                        waiting == dictionaries_.end() ? KeepDictionary::kNo : KeepDictionary::kForReading);
      if (waiting != dictionaries_.end()) waiting->second.dictionary = step.dictionary = std::move(full.dictionary);
      step.state = std::make_shared<const Json>(std::move(full.state));
    } else {
      if (step.parent == nullptr) {
        throw_row_corruption(row.header, "the row its delta is against (" + row.header.parent_id + ") is missing");
      }
      if (row.header.encoding == kZstdChainEncoding) {
        Dictionary& d = dictionaries_[row.header.base_id];
        step.dictionary = d.dictionary;  // null when the full row was not visited: payload_text says so
        if (d.deltas_left > 0 && --d.deltas_left == 0) d.dictionary.reset();
      }
      Json state = *step.parent;
      apply_row_delta(state, row, limits_, step.dictionary.get());
      step.state = std::make_shared<const Json>(std::move(state));
    }
  } catch (...) {
    slot.bad = true;
    throw;
  }
  if (slot.children_left > 0) slot.state = step.state;
  return step;
}

}  // namespace deltackpt::detail
