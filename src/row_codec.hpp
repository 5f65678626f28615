// Row payloads and pending-write values: checksums, optional compression
// (LZ4, zstd), and parsing with limits.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
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
// "zstd" payloads and write values are one zstd frame that records its
// content size. A store set to zstd compresses a payload or value only when
// that makes it smaller; the rest stay as they are ("json" rows, "none"
// values), readable with sqlite3.
inline constexpr std::string_view kZstdEncoding = "zstd";
inline constexpr std::string_view kPlainValue = "none";

// Throws InvalidArgument, its message starting with `who`, unless
// `encoding` is one this build writes ("json", "lz4", "zstd").
void check_payload_encoding(std::string_view encoding, std::string_view who);

// Fills row.payload, encoding, payload_size and checksum from `json_text`.
void encode_payload(StoredRow& row, std::string json_text, std::string_view encoding);

// Why stored bytes do not decode; callers name the row or write.
struct DecodeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// `bytes` as one zstd frame, if that is smaller than `bytes`.
std::optional<std::string> zstd_compress_if_smaller(std::string_view bytes);
// The bytes of a zstd frame, refusing (DecodeError) a claimed size over
// `max_bytes` before allocating, and anything that is not one whole frame.
std::string zstd_decompress(std::string_view frame, std::size_t max_bytes);

// A pending write's value as the store keeps it in `store_encoding`, and back.
EncodedWrite encode_write(const PendingWrite& write, std::string_view store_encoding);
// Throws Corruption naming the checkpoint and the write.
PendingWrite decode_write(StoredWrite stored, const Limits& limits);

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
