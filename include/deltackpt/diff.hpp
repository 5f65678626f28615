// Structural JSON deltas: diff() and apply_delta(), with
// apply_delta(a, diff(a, b)) exactly equal to b (see same_value) for every pair.
#pragma once

#include <cstddef>

#include "deltackpt/export.hpp"
#include "deltackpt/json.hpp"

namespace deltackpt {

// The delta format this build writes and the newest it reads
// (docs/delta-format.md).
inline constexpr int kDeltaFormatVersion = 1;

struct DiffOptions {
  // Character-level edit scripts run only on changed string stretches of at
  // most this many bytes (both sides together); longer texts are diffed by
  // lines, then words, and characters only inside small changed hunks.
  // Keeps the quadratic edit-script search bounded. Default: 2048.
  std::size_t char_diff_limit = 2048;
  // Arrays (or token lists of a text) whose changed middle has more elements
  // than this, both sides together, are replaced instead of searched for an
  // edit script. Default: 20000.
  std::size_t sequence_diff_limit = 20000;
};

// A delta document that turns `from` into `to`: a JSON object
// {"v": 1, ...} in the format of docs/delta-format.md. Objects are diffed
// key by key and arrays by an edit script to any depth; a changed value is
// stored as a nested delta only when that is smaller than the value itself.
// REQUIRES: both values hold valid UTF-8 (otherwise the delta cannot be
// serialized; Checkpointers validate states before diffing).
DELTACKPT_EXPORT Json diff(const Json& from, const Json& to, const DiffOptions& options = {});

// True when `delta` changes nothing.
DELTACKPT_EXPORT bool is_noop_delta(const Json& delta) noexcept;

// Applies `delta` to `base` and returns the result. Everything read is
// validated: a delta that does not fit its base (index out of range, wrong
// type, unknown operation, a format version from the future) throws
// Corruption; `base` is unchanged then.
DELTACKPT_EXPORT Json apply_delta(const Json& base, const Json& delta);

// The same, reusing `target`'s storage. On Corruption `target` is left in a
// valid but unspecified state.
DELTACKPT_EXPORT void apply_delta_in_place(Json& target, const Json& delta);

}  // namespace deltackpt
