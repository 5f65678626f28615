// The `adk` strategy: adk-graph's DeltaCheckpointer algorithm, re-implemented
// on deltackpt's RowStore so it runs against the same backends: the bench's
// baseline (compare.hpp's baselines()).
//
// What adk-graph (crate adk-graph, src/delta.rs, DeltaConfig default 10) does,
// and what this class does the same way:
//  - save: when step == 0 or step % interval == 0, the checkpoint is stored
//    as is, with metadata "__delta_ckpt_type": "full". Otherwise it first
//    lists the WHOLE thread (every checkpoint with its state and metadata,
//    parsed), takes the checkpoint with the highest step below this one,
//    rebuilds its state (nearest "full" at or before that step, then every
//    delta after it up to that step), and stores a checkpoint whose state is
//    {} and whose metadata holds "__delta_ckpt_type": "delta",
//    "__delta_ckpt_base_id" (the previous checkpoint) and
//    "__delta_ckpt_payload": a MapDelta of the TOP-LEVEL keys only,
//    {"added": {k: v}, "removed": [k], "modified": {k: v}}, changed values
//    stored whole. With no previous checkpoint it stores a full one.
//  - load(thread): lists the whole thread, takes the last checkpoint and
//    rebuilds its state the same way. load_by_id: reads the checkpoint, then
//    lists its whole thread and rebuilds.
//
// Storage mapping: one adk checkpoint is one RowStore row, exactly like
// adk-graph's SQL checkpointers store one row per checkpoint: the row's
// payload is the checkpoint's `state` column ("{}" for a delta), its
// metadata column is adk's metadata (delta included), kind "full" to
// deltackpt (deltackpt never reads these rows; the bench does), inserted with
// InsertMode::kAppend (one row, the head moved in the same transaction).
//
// Where this is kinder to adk than adk-graph is (so the comparison errs in
// adk's favour): deltas are applied in place (adk-graph clones the whole
// state for every delta it applies and re-deserializes each delta from a
// serde Value), there is no async runtime or HashMap<->Value conversion, and
// rows are read by deltackpt's prepared statements. adk-graph keeps states as
// HashMaps, so top-level key order is not preserved (Baseline::keeps_key_order).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "baseline.hpp"
#include "deltackpt/checkpoint.hpp"
#include "deltackpt/row_store.hpp"

namespace deltackpt::bench::compare {

// MapDelta of two objects' top-level keys, as adk-graph computes it.
Json adk_map_diff(const Json& from, const Json& to);
// Applies a MapDelta in adk-graph's order: removed, then added, then modified.
void adk_map_apply(Json& state, const Json& delta);

// Not thread-safe (the bench uses one thread).
class AdkCheckpointer final : public BaselineCheckpointer {
 public:
  // `store` must outlive this object.
  explicit AdkCheckpointer(RowStore& store, std::int64_t full_snapshot_interval = 10);

  // Returns the new checkpoint's id.
  std::string save(const Checkpoint& cp) override;
  std::optional<Checkpoint> load(std::string_view thread_id) override;
  std::optional<Checkpoint> load_by_id(std::string_view checkpoint_id) override;
  // Not an adk-graph call (it has none): every state of the thread, oldest
  // first, from one listing and one forward pass.
  std::vector<Checkpoint> history(std::string_view thread_id) override;
  // {"adk_save_profile_s": the Profile below}.
  Json extra() const override;

  // True for rows this class stored as adk delta records.
  static bool is_delta_row(const RowHeader& header);

  // Where save() spent its time, summed over every save (seconds).
  struct Profile {
    double read_s = 0;     // RowStore::rows(): every row of the thread
    double parse_s = 0;    // parsing every row's state and metadata
    double rebuild_s = 0;  // the previous state: nearest full, deltas replayed
    double diff_s = 0;     // the top-level MapDelta
    double write_s = 0;    // serializing and inserting the row
    std::int64_t bytes_read = 0;  // payload + metadata bytes listed
  };

 private:
  struct Listed {
    RowHeader header;
    Json state;
    Json metadata;
  };
  std::vector<Listed> list(std::string_view thread_id);
  static Json reconstruct(const std::vector<Listed>& all, std::int64_t target_step);
  static Checkpoint to_checkpoint(const Listed& row, Json state);
  std::string insert(const Checkpoint& cp, const std::string& state_text, const Json& metadata);

  RowStore& store_;
  std::int64_t interval_;
  Profile profile_;
  bool profiling_ = false;  // only inside save()
};

}  // namespace deltackpt::bench::compare
