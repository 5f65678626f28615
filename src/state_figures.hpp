// Two figures of a state that a save checks before it acknowledges a delta:
// its serialized size and a fingerprint. The fingerprint is computed apart
// from same_value and hash_value (the diff's own notion of "unchanged"), so
// a delta that missed a change, or that rebuilds a different state, is
// caught before it is written rather than when a later load fails.
#pragma once

#include <cstdint>
#include <string>

#include "deltackpt/json.hpp"

namespace deltackpt::detail {

struct StateFigures {
  std::int64_t bytes = 0;         // serialized_size of the state
  std::uint64_t fingerprint = 0;  // fingerprint() of the state
  bool operator==(const StateFigures&) const = default;
};

// A sum (mod 2^64) of one well-mixed term per value of the tree, so a delta
// can update it from what it changes alone. A term covers the value's
// nesting depth and kind; numbers by their exact kind and bits (a signed -1
// and an unsigned 2^64-1 differ, as do 1 and 1.0, 0.0 and -0.0); strings and
// keys by length and their first and last eight bytes; arrays and objects by
// their number of members. It does not see values swapped between two
// places at one depth, nor a string edit that keeps its length and both ends.
std::uint64_t fingerprint(const Json& value, int depth = 0) noexcept;

// The terms an object member adds at `depth` (the depth of its value): its
// key's and its value's.
std::uint64_t member_fingerprint(const std::string& key, const Json& value, int depth) noexcept;

// The term of a string, or of an array's or object's frame, alone.
std::uint64_t string_term(const std::string& s, int depth) noexcept;
std::uint64_t array_frame_term(std::size_t size, int depth) noexcept;
std::uint64_t object_frame_term(std::size_t size, int depth) noexcept;

// apply_delta_in_place(target, delta), also updating `figures` (those of
// target before) to those of target after, in O(what the delta changes).
void apply_delta_with_figures(Json& target, const Json& delta, StateFigures& figures);

// True when `delta` applied to `state` (whose figures are `figures`) gives
// a state with the figures `wanted`: the check a delta passes before a save
// writes it. Leaves `state` changed either way.
bool delta_rebuilds(Json& state, StateFigures figures, const Json& delta, StateFigures wanted);

}  // namespace deltackpt::detail
