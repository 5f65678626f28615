// Limits on what a checkpointer accepts, so hostile input fails cleanly.
#pragma once

#include <cstddef>

namespace deltackpt {

// The deepest max_depth a checkpointer accepts: deeper values would let
// hostile input recurse far enough to exhaust a thread's stack.
inline constexpr int kMaxDepthLimit = 1000;

struct Limits {
  // Deepest nesting of arrays and objects in a state or metadata, and in
  // stored rows read back. Deeper input is InvalidArgument (Corruption when
  // read from storage). At most kMaxDepthLimit. Default: 128.
  int max_depth = 128;
  // Largest state accepted, in bytes of compact JSON (what the replay
  // budget counts too), and largest pending write value. Default: 256 MiB.
  std::size_t max_state_bytes = std::size_t{256} << 20;
  // Longest thread, checkpoint or task id, or pending write channel, in
  // bytes. Default: 256.
  std::size_t max_id_bytes = 256;
  // Longest checkpoint namespace or task path, in bytes: nested subgraph
  // paths ("outer:<uuid>|inner:<uuid>|...") grow with the nesting.
  // Default: 4096.
  std::size_t max_namespace_bytes = 4096;
};

}  // namespace deltackpt
