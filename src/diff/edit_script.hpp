// Shortest edit scripts between two sequences of keys (wraps dtl).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace deltackpt::detail {

// A stretch where the sequences differ: a[a_begin, a_end) was replaced by
// b[b_begin, b_end). Either side may be empty.
struct EditRegion {
  std::size_t a_begin, a_end, b_begin, b_end;
};

// The differing stretches between `a` and `b`, in order, from a shortest edit
// script. Elements match when their keys are equal and, if given,
// `confirm(i, j)` says a[i] and b[j] really are equal (keys may be hashes).
// Costs O((|a| + |b|) * D) time for an edit distance D.
std::vector<EditRegion> edit_regions(
    const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b,
    const std::function<bool(std::size_t, std::size_t)>& confirm = {});

}  // namespace deltackpt::detail
