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
#include "zstd_frames.hpp"

namespace deltackpt::detail {

// FNV-1a, 64 bits: simple enough to recompute by hand in any language.
std::uint64_t fnv1a64(std::string_view bytes) noexcept;

// Encodings of stored rows (the encoding column):
// "json": the payload is JSON text, readable with sqlite3's json functions.
// "lz4": an 8-byte magic, the decompressed size (4 bytes, little endian),
//   then one LZ4 block. Written only by stores set to lz4.
// "zstd": one zstd frame that records its content size.
// "zstd-chain" (delta rows): the 8-byte little-endian checksum column of the
//   chain's full row, then one zstd frame compressed with that full row's
//   JSON text as a raw-content dictionary.
inline constexpr std::string_view kJsonEncoding = "json";
inline constexpr std::string_view kLz4Encoding = "lz4";
inline constexpr std::string_view kZstdEncoding = "zstd";
inline constexpr std::string_view kZstdChainEncoding = "zstd-chain";
// Store settings (payload_encoding): what new rows are written as.
// "json": JSON text everywhere. "zstd-full-rows": full rows as zstd, deltas
// and write values as they are (every delta readable with sqlite3). "zstd":
// full rows and write values as zstd, deltas as zstd-chain. "lz4": every
// row as lz4 (kept for stores that have it). Each payload or value is
// compressed only where that makes it smaller; the rest stay as they are
// ("json" rows, "none" values).
inline constexpr std::string_view kZstdFullRowsEncoding = "zstd-full-rows";
inline constexpr std::string_view kPlainValue = "none";

// Throws InvalidArgument, its message starting with `who`, unless
// `encoding` is a setting this build writes.
void check_payload_encoding(std::string_view encoding, std::string_view who);

// Whether a store set to `store_encoding` compresses deltas against their
// chain's full row (so a writer keeps that row's ChainDictionary).
bool compresses_against_chains(std::string_view store_encoding) noexcept;

// Fills row.payload, encoding, payload_size and checksum from `json_text`,
// as a store set to `store_encoding` writes a row of row.header.kind. A
// delta of a "zstd" store is compressed against `chain` when given (the
// dictionary of its chain's full row, for writing), else on its own.
void encode_payload(StoredRow& row, std::string json_text, std::string_view store_encoding,
                    const ChainDictionary* chain = nullptr);

// A pending write's value as the store keeps it in `store_encoding`, and back.
EncodedWrite encode_write(const PendingWrite& write, std::string_view store_encoding);
// Throws Corruption naming the checkpoint and the write.
PendingWrite decode_write(StoredWrite stored, const Limits& limits);

// The payload's JSON text, after checking the checksum and decompressing
// (refusing a claimed size over limits.max_state_bytes). A zstd-chain delta
// needs `chain`, the dictionary of its chain's full row (the checksum it
// records must be that row's). Throws Corruption naming the row's
// checkpoint id.
std::string payload_text(const StoredRow& row, const Limits& limits, const ChainDictionary* chain = nullptr);

// The checksum of the full row a zstd-chain payload records (nullopt for
// other rows, or a payload too short to hold one).
std::optional<std::uint64_t> chain_base_checksum(const StoredRow& row);

// payload_text, parsed, with the nesting limit enforced before parsing.
Json parse_payload(const StoredRow& row, const Limits& limits, const ChainDictionary* chain = nullptr);

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
