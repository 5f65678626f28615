// zstd frames for row payloads and write values: on their own, or against a
// chain's full row (a raw-content dictionary).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct ZSTD_CDict_s;

namespace deltackpt::detail {

// Why stored bytes do not decode; callers name the row or write.
struct DecodeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// `bytes` as one zstd frame, if that is smaller than `bytes`.
std::optional<std::string> zstd_compress_if_smaller(std::string_view bytes);
// The bytes of a zstd frame, refusing (DecodeError) a claimed size over
// `max_bytes` before allocating, and anything that is not one whole frame.
// `dictionary`: the raw content the frame was compressed against, if any.
std::string zstd_decompress(std::string_view frame, std::size_t max_bytes, std::string_view dictionary = {});

// The JSON text of a chain's full row, which the deltas after it are
// compressed against. A delta mostly repeats what its chain already holds
// (keys, message shapes, vocabulary), and a load reads that full row first
// anyway, so the dictionary costs no extra read and needs no training.
class ChainDictionary {
 public:
  // `full_row_checksum`: RowHeader::checksum of that full row, which every
  // delta compressed against it records, so a delta is never decoded
  // against another text. A dictionary for writing also builds zstd's
  // tables for the text (about what compressing it once costs), which every
  // delta of the chain then reuses.
  static std::shared_ptr<const ChainDictionary> for_reading(std::string text, std::uint64_t full_row_checksum);
  static std::shared_ptr<const ChainDictionary> for_writing(std::string text, std::uint64_t full_row_checksum);
  ~ChainDictionary();
  ChainDictionary(const ChainDictionary&) = delete;
  ChainDictionary& operator=(const ChainDictionary&) = delete;

  const std::string& text() const noexcept { return text_; }
  std::uint64_t full_row_checksum() const noexcept { return checksum_; }
  bool can_compress() const noexcept { return tables_ != nullptr; }

  // `bytes` as one zstd frame against the text, if that is smaller.
  // REQUIRES: can_compress().
  std::optional<std::string> compress(std::string_view bytes) const;
  // What this dictionary holds in memory: what a cache charges for it.
  std::size_t memory_bytes() const noexcept;

 private:
  ChainDictionary(std::string text, std::uint64_t full_row_checksum, bool for_writing);

  std::string text_;
  std::uint64_t checksum_;
  ZSTD_CDict_s* tables_ = nullptr;  // a copy of the text, indexed
};

}  // namespace deltackpt::detail
