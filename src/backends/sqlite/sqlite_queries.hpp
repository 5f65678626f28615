// The SQL that reads rows from a deltackpt SQLite file, shared by the
// RowStore and the sqlite3 extension (which runs it on the shell's own
// connection).
#pragma once

#include <string>

namespace deltackpt::detail::sqlite {

// Header columns, in the order decode_header reads them (row_columns.hpp).
inline constexpr const char* kHeaderColumns =
    "thread_id, checkpoint_id, parent_id, step, kind, base_id, depth, created_at, metadata, "
    "pending_nodes, encoding, payload_size, state_size, checksum, checkpoint_ns";
// Where the payload is in chain_sql's rows.
inline constexpr int kPayloadColumn = 15;

// The rows needed to rebuild the rows `start` selects (a WHERE condition on
// checkpoints), in one query: walk parent links back to the nearest full
// rows, carrying only keys (UNION visits a row shared by several chains
// once), then read those rows in insertion order, header and payload.
inline std::string chain_sql(const std::string& start) {
  return "WITH RECURSIVE chain(link_seq, link_parent, link_kind) AS ("
         " SELECT seq, parent_id, kind FROM checkpoints WHERE " + start +
         " UNION"
         " SELECT c.seq, c.parent_id, c.kind FROM checkpoints c"
         " JOIN chain ON c.checkpoint_id = chain.link_parent"
         " WHERE chain.link_kind = 'delta')"
         " SELECT " + std::string(kHeaderColumns) + ", payload FROM chain JOIN checkpoints ON checkpoints.seq = chain.link_seq"
         " ORDER BY checkpoints.seq";
}

}  // namespace deltackpt::detail::sqlite
