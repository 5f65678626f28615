// libFuzzer target: decoding a stored row (encoding, checksum, payload) as
// every read does, and a pending write's value. Anything but a value or
// deltackpt::Corruption is a bug. zstd-chain rows decode against a fixed
// full row (the seed corpus holds frames compressed against it).
#include <cstdint>
#include <string>

#include "deltackpt/errors.hpp"
#include "row_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  deltackpt::StoredRow row;
  row.header.checkpoint_id = "fuzz";
  row.header.thread_id = "fuzz";
  // First byte: encoding and whether the checksum is right (so the decoder
  // behind the checksum gets exercised too).
  const std::uint8_t mode = data[0];
  static const char* const kEncodings[] = {"json", "lz4", "zstd", "other"};
  row.header.encoding = kEncodings[mode & 3];
  row.payload.assign(reinterpret_cast<const char*>(data + 1), size - 1);
  // Bit 16: a zstd-chain delta; bit 32: its prefix names the full row (so
  // the frame behind it gets decoded).
  static const auto dictionary = deltackpt::detail::ChainDictionary::for_reading(
      R"({"messages":[{"role":"user","content":"hello world, the quick brown fox"}],"step":1})", 0x0123456789abcdefULL);
  if ((mode & 16) != 0) {
    row.header.encoding = "zstd-chain";
    row.header.kind = deltackpt::RowKind::kDelta;
    if ((mode & 32) != 0 && row.payload.size() >= 8) {
      for (std::size_t i = 0; i < 8; ++i) {
        row.payload[i] = static_cast<char>((dictionary->full_row_checksum() >> (8 * i)) & 0xFFU);
      }
    }
  }
  row.header.payload_size = static_cast<std::int64_t>(row.payload.size());
  row.header.checksum = (mode & 4) != 0 ? deltackpt::detail::fnv1a64(row.payload) : mode;
  deltackpt::Limits limits;
  limits.max_state_bytes = 1 << 20;
  limits.max_depth = 64;
  try {
    const deltackpt::Json value = deltackpt::detail::parse_payload(row, limits, dictionary.get());
    (void)value.dump();
  } catch (const deltackpt::Corruption& e) {
    if (e.checkpoint_id() != "fuzz") std::abort();  // must name the row
  }
  deltackpt::StoredWrite write;
  write.key = {"fuzz", "", "fuzz"};
  write.write.value = row.payload;
  write.value_encoding = (mode & 8) != 0 ? "zstd" : "none";
  try {
    (void)deltackpt::detail::decode_write(std::move(write), limits);
  } catch (const deltackpt::Corruption& e) {
    if (e.checkpoint_id() != "fuzz") std::abort();
  }
  return 0;
}
