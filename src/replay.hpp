// Forward replay of a thread's rows, parents before children, keeping only
// the states still needed by rows to come.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "deltackpt/json.hpp"
#include "deltackpt/limits.hpp"
#include "deltackpt/row_store.hpp"
#include "zstd_frames.hpp"

namespace deltackpt::detail {

// A full row's state, and (when asked for) the dictionary its chain's
// zstd-chain deltas are compressed against: its JSON text. Throws
// Corruption naming the row.
struct FullRowState {
  Json state;
  std::shared_ptr<const ChainDictionary> dictionary;
};
enum class KeepDictionary { kNo, kForReading, kForWriting };
FullRowState read_full_row(const StoredRow& row, const Limits& limits, KeepDictionary keep);

// Applies delta row `row` to `state` in place; returns the bytes of the
// delta's JSON text (what the replay budget counts, compressed or not).
// `chain`: the dictionary of the row's chain, needed by zstd-chain rows.
// Throws Corruption naming the row.
std::size_t apply_row_delta(Json& state, const StoredRow& row, const Limits& limits, const ChainDictionary* chain);

// The JSON text of the payload of chain.back(), whatever its encoding;
// `chain` is what RowStore::chain returns for it (a zstd-chain delta is
// decoded against chain.front(), its full row).
std::string last_payload_text(const std::vector<StoredRow>& chain, const Limits& limits);

// Whether any of `rows` is a zstd-chain delta against full row `base_id`.
bool has_chain_deltas(const std::vector<StoredRow>& rows, std::string_view base_id);

class ForwardReplay {
 public:
  // `rows` oldest first, as RowStore::rows returns them; must outlive this.
  ForwardReplay(const std::vector<StoredRow>& rows, const Limits& limits);

  struct Step {
    std::shared_ptr<const Json> state;
    // The parent's state when the parent is in the thread and good.
    std::shared_ptr<const Json> parent;
    // The dictionary of the row's chain, while zstd-chain deltas of the
    // chain are still to come or this row is one (else null).
    std::shared_ptr<const ChainDictionary> dictionary;
  };
  // Rebuilds rows[i]; call in increasing order of i. A row may be skipped
  // when no row visited after it descends from it (prune replays only the
  // chains it rewrites). Throws Corruption naming the row; a row whose
  // parent failed fails too.
  Step next(std::size_t i);

 private:
  struct Slot {
    std::shared_ptr<const Json> state;
    std::size_t children_left = 0;
    bool bad = false;
  };
  struct Dictionary {
    std::shared_ptr<const ChainDictionary> dictionary;
    std::size_t deltas_left = 0;  // zstd-chain rows against it not yet visited
  };
  const std::vector<StoredRow>& rows_;
  const Limits& limits_;
  std::unordered_map<std::string, Slot> slots_;
  std::unordered_map<std::string, Dictionary> dictionaries_;  // by full row id
};

}  // namespace deltackpt::detail
