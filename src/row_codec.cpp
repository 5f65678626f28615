// Encoding and decoding of stored row payloads.
#include "row_codec.hpp"

#include <lz4.h>

#include <cstring>
#include <memory>

#include "deltackpt/errors.hpp"
#include "json_internal.hpp"
#include "zstd_frames.hpp"

namespace deltackpt::detail {
namespace {

constexpr std::string_view kLz4Magic = "dckptlz4";
constexpr std::size_t kLz4Header = 12;  // magic + uint32 size

// A zstd-chain payload starts with the checksum of the full row it is
// compressed against, 8 bytes little endian.
constexpr std::size_t kChainPrefixBytes = 8;

std::string chain_prefix(std::uint64_t checksum) {
  std::string out(kChainPrefixBytes, '\0');
  for (std::size_t i = 0; i < kChainPrefixBytes; ++i) out[i] = static_cast<char>((checksum >> (8 * i)) & 0xFFU);
  return out;
}

std::uint64_t read_chain_prefix(std::string_view payload) {
  std::uint64_t checksum = 0;
  for (std::size_t i = 0; i < kChainPrefixBytes; ++i) {
    checksum |= static_cast<std::uint64_t>(static_cast<unsigned char>(payload[i])) << (8 * i);
  }
  return checksum;
}

std::string lz4_compress(std::string_view text) {
  if (text.size() > static_cast<std::size_t>(LZ4_MAX_INPUT_SIZE)) {
    throw InvalidArgument("deltackpt: payload too large for lz4 encoding");
  }
  const int bound = LZ4_compressBound(static_cast<int>(text.size()));
  std::string out(kLz4Header + static_cast<std::size_t>(bound), '\0');
  std::memcpy(out.data(), kLz4Magic.data(), kLz4Magic.size());
  const auto size = static_cast<std::uint32_t>(text.size());
  for (int i = 0; i < 4; ++i) out[8 + static_cast<std::size_t>(i)] = static_cast<char>((size >> (8 * i)) & 0xFFU);
  const int written = LZ4_compress_default(text.data(), out.data() + kLz4Header,
                                           static_cast<int>(text.size()), bound);
  out.resize(kLz4Header + static_cast<std::size_t>(written));
  return out;
}

std::string lz4_decompress(const StoredRow& row, const Limits& limits) {
  const std::string& in = row.payload;
  if (in.size() < kLz4Header || std::string_view(in).substr(0, 8) != kLz4Magic) {
    throw_row_corruption(row.header, "lz4 payload has no valid header");
  }
  std::uint32_t size = 0;
  for (int i = 0; i < 4; ++i) {
    size |= static_cast<std::uint32_t>(static_cast<unsigned char>(in[8 + static_cast<std::size_t>(i)])) << (8 * i);
  }
  // Refuse before allocating: a corrupt or hostile size must not exhaust memory.
  if (size > limits.max_state_bytes || size > static_cast<std::uint32_t>(LZ4_MAX_INPUT_SIZE)) {
    throw_row_corruption(row.header, "lz4 payload claims " + std::to_string(size) +
                                         " bytes, over the limit of " +
                                         std::to_string(limits.max_state_bytes));
  }
  std::string out(size, '\0');
  const int got = LZ4_decompress_safe(in.data() + kLz4Header, out.data(),
                                      static_cast<int>(in.size() - kLz4Header), static_cast<int>(size));
  if (got < 0 || static_cast<std::uint32_t>(got) != size) {
    throw_row_corruption(row.header, "lz4 payload does not decompress to its claimed size");
  }
  return out;
}

}  // namespace

EncodedWrite encode_write(const PendingWrite& write, std::string_view store_encoding) {
  EncodedWrite out{write, std::string(kPlainValue)};
  if (store_encoding == kZstdEncoding) {
    if (auto compressed = zstd_compress_if_smaller(write.value)) {
      out.write.value = std::move(*compressed);
      out.value_encoding = std::string(kZstdEncoding);
    }
  }
  return out;
}

PendingWrite decode_write(StoredWrite stored, const Limits& limits) {
  if (stored.value_encoding == kPlainValue) return std::move(stored.write);
  const auto fail = [&](const std::string& why) {
    throw Corruption("deltackpt: pending write (thread=" + stored.key.thread_id + ", id=" +
                         stored.key.checkpoint_id + ", task=" + stored.write.task_id + ", idx=" +
                         std::to_string(stored.write.idx) + "): " + why,
                     stored.key.checkpoint_id);
  };
  if (stored.value_encoding != kZstdEncoding) fail("unknown value encoding \"" + stored.value_encoding + "\"");
  try {
    stored.write.value = zstd_decompress(stored.write.value, limits.max_state_bytes);
  } catch (const DecodeError& e) {
    fail(e.what());
  }
  return std::move(stored.write);
}

std::uint64_t fnv1a64(std::string_view bytes) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

void throw_row_corruption(const RowHeader& header, const std::string& why) {
  throw Corruption("deltackpt: checkpoint " + header.checkpoint_id + " (thread " +
                       header.thread_id + "): " + why,
                   header.checkpoint_id);
}

void check_payload_encoding(std::string_view encoding, std::string_view who) {
  if (encoding != kJsonEncoding && encoding != kLz4Encoding && encoding != kZstdEncoding &&
      encoding != kZstdFullRowsEncoding) {
    throw InvalidArgument(std::string(who) + "unknown payload_encoding \"" + std::string(encoding) +
                          "\" (known: json, zstd-full-rows, zstd, lz4)");
  }
}

bool compresses_against_chains(std::string_view store_encoding) noexcept { return store_encoding == kZstdEncoding; }

void encode_payload(StoredRow& row, std::string json_text, std::string_view store_encoding,
                    const ChainDictionary* chain) {
  check_payload_encoding(store_encoding, "deltackpt: ");
  const bool full = row.header.kind == RowKind::kFull;
  std::string_view stored_as = kJsonEncoding;
  std::optional<std::string> compressed;
  if (store_encoding == kLz4Encoding) {
    compressed = lz4_compress(json_text);
    stored_as = kLz4Encoding;
  } else if (store_encoding == kZstdEncoding && !full && chain != nullptr) {
    if (auto frame = chain->compress(json_text); frame && frame->size() + kChainPrefixBytes < json_text.size()) {
      compressed = chain_prefix(chain->full_row_checksum()) + *frame;
      stored_as = kZstdChainEncoding;
    }
  } else if (store_encoding == kZstdEncoding || (store_encoding == kZstdFullRowsEncoding && full)) {
    compressed = zstd_compress_if_smaller(json_text);
    stored_as = kZstdEncoding;
  }
  if (compressed) {
    row.payload = std::move(*compressed);
  } else {
    row.payload = std::move(json_text);
    stored_as = kJsonEncoding;
  }
  row.header.encoding = std::string(stored_as);
  row.header.payload_size = static_cast<std::int64_t>(row.payload.size());
  row.header.checksum = fnv1a64(row.payload);
}

std::optional<std::uint64_t> chain_base_checksum(const StoredRow& row) {
  if (row.header.encoding != kZstdChainEncoding || row.payload.size() < kChainPrefixBytes) return std::nullopt;
  return read_chain_prefix(row.payload);
}

std::string payload_text(const StoredRow& row, const Limits& limits, const ChainDictionary* chain) {
  if (fnv1a64(row.payload) != row.header.checksum) {
    throw_row_corruption(row.header, "payload checksum mismatch");
  }
  if (static_cast<std::int64_t>(row.payload.size()) != row.header.payload_size) {
    throw_row_corruption(row.header, "payload size differs from its payload_size column");
  }
  const std::string& encoding = row.header.encoding;
  if (encoding == kJsonEncoding) return row.payload;
  if (encoding == kLz4Encoding) return lz4_decompress(row, limits);
  if (encoding != kZstdEncoding && encoding != kZstdChainEncoding) {
    throw_row_corruption(row.header, "unknown payload encoding \"" + encoding + "\"");
  }
  std::string_view frame = row.payload;
  std::string_view dictionary;
  if (encoding == kZstdChainEncoding) {
    if (row.header.kind != RowKind::kDelta) throw_row_corruption(row.header, "a full row is encoded zstd-chain");
    if (chain == nullptr) {
      throw_row_corruption(row.header, "zstd-chain payload read without the full row " + row.header.base_id +
                                           " it is compressed against");
    }
    if (frame.size() < kChainPrefixBytes) throw_row_corruption(row.header, "zstd-chain payload is cut short");
    const std::uint64_t against = read_chain_prefix(frame);
    if (against != chain->full_row_checksum()) {
      throw_row_corruption(row.header, "compressed against a full row with checksum " + checksum_text(against) +
                                           ", but its chain's full row " + row.header.base_id + " has checksum " +
                                           checksum_text(chain->full_row_checksum()));
    }
    frame.remove_prefix(kChainPrefixBytes);
    dictionary = chain->text();
  }
  try {
    return zstd_decompress(frame, limits.max_state_bytes, dictionary);
  } catch (const DecodeError& e) {
    throw_row_corruption(row.header, e.what());
  }
}

Json parse_column(std::string_view text, std::string_view what, const RowHeader& header,
                  const Limits& limits) {
  // The delta format nests about twice as deep as the state it describes.
  if (max_nesting(text) > 2 * limits.max_depth + 4) {
    throw_row_corruption(header, std::string(what) + " nests deeper than the limit");
  }
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {
    throw_row_corruption(header, std::string(what) + " is not valid JSON: " + e.what());
  }
}

Json parse_metadata(const RowHeader& h, const Limits& limits) {
  Json metadata = parse_column(h.metadata, "metadata", h, limits);
  if (!metadata.is_object()) throw_row_corruption(h, "metadata is not a JSON object");
  return metadata;
}

std::vector<std::string> parse_pending_nodes(const RowHeader& h, const Limits& limits) {
  const Json pending = parse_column(h.pending_nodes, "pending_nodes", h, limits);
  if (!pending.is_array()) throw_row_corruption(h, "pending_nodes is not a JSON array");
  std::vector<std::string> nodes;
  for (const auto& node : pending) {
    if (!node.is_string()) throw_row_corruption(h, "pending_nodes holds a non-string");
    nodes.push_back(node.get<std::string>());
  }
  return nodes;
}

Json parse_payload(const StoredRow& row, const Limits& limits, const ChainDictionary* chain) {
  return parse_column(payload_text(row, limits, chain), "payload", row.header, limits);
}

}  // namespace deltackpt::detail

namespace deltackpt {

std::uint64_t payload_checksum(std::string_view payload) noexcept { return detail::fnv1a64(payload); }

std::string checksum_text(std::uint64_t checksum) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, checksum >>= 4) out[static_cast<std::size_t>(i)] = kDigits[checksum & 0xFU];
  return out;
}

}  // namespace deltackpt
