// Row payloads: checksums, optional LZ4 compression, and parsing with limits.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "deltackpt/json.hpp"
#include "deltackpt/limits.hpp"
#include "deltackpt/row_store.hpp"

namespace deltackpt::detail {

// FNV-1a, 64 bits: simple enough to recompute by hand in any language.
std::uint64_t fnv1a64(std::string_view bytes) noexcept;

// "lz4" payloads start with this 8-byte magic plus the decompressed size
// (4 bytes, little endian), then one LZ4 block.
inline constexpr std::string_view kLz4Encoding = "lz4";
inline constexpr std::string_view kJsonEncoding = "json";

// Throws InvalidArgument, its message starting with `who`, unless
// `encoding` is one this build writes ("json", "lz4").
void check_payload_encoding(std::string_view encoding, std::string_view who);

// Fills row.payload, encoding, payload_size and checksum from `json_text`.
void encode_payload(StoredRow& row, std::string json_text, std::string_view encoding);

// The payload's JSON text, after checking the checksum and decompressing
// (refusing a claimed size over limits.max_state_bytes). Throws Corruption
// naming the row's checkpoint id.
std::string payload_text(const StoredRow& row, const Limits& limits);

// payload_text, parsed, with the nesting limit enforced before parsing.
Json parse_payload(const StoredRow& row, const Limits& limits);

// Parses JSON text read from a row's column `what`; Corruption on failure.
Json parse_column(std::string_view text, std::string_view what, const RowHeader& header,
                  const Limits& limits);

// The row's metadata column (a JSON object) and pending_nodes column (a
// JSON array of strings), parsed and checked; Corruption otherwise.
Json parse_metadata(const RowHeader& header, const Limits& limits);
std::vector<std::string> parse_pending_nodes(const RowHeader& header, const Limits& limits);

// Corruption "deltackpt: row <id> (thread <t>): <why>".
[[noreturn]] void throw_row_corruption(const RowHeader& header, const std::string& why);

}  // namespace deltackpt::detail
