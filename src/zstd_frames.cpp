// zstd frames, with and without a chain's dictionary.
#include "zstd_frames.hpp"

#include <zstd.h>

#include <new>

namespace deltackpt::detail {
namespace {

// zstd contexts are costly to create (their tables), so each thread keeps one.
struct ZstdContexts {
  std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> compress{ZSTD_createCCtx(), ZSTD_freeCCtx};
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> decompress{ZSTD_createDCtx(), ZSTD_freeDCtx};
};

ZstdContexts& zstd_contexts() {
  thread_local ZstdContexts contexts;
  if (!contexts.compress || !contexts.decompress) throw std::bad_alloc();
  return contexts;
}

// zstd's default level: most of the ratio of higher levels at a fraction of
// their time on rows of a few kilobytes.
constexpr int kZstdLevel = 3;

std::optional<std::string> smaller_or_none(std::string out, std::size_t written, std::size_t original) {
  if (ZSTD_isError(written)) throw std::runtime_error(std::string("zstd: ") + ZSTD_getErrorName(written));
  if (written >= original) return std::nullopt;
  out.resize(written);
  return out;
}

}  // namespace

std::optional<std::string> zstd_compress_if_smaller(std::string_view bytes) {
  std::string out(ZSTD_compressBound(bytes.size()), '\0');
  const std::size_t written =
      ZSTD_compressCCtx(zstd_contexts().compress.get(), out.data(), out.size(), bytes.data(), bytes.size(), kZstdLevel);
  return smaller_or_none(std::move(out), written, bytes.size());
}

std::string zstd_decompress(std::string_view frame, std::size_t max_bytes, std::string_view dictionary) {
  const unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR) throw DecodeError("zstd data has no valid frame header");
  if (size == ZSTD_CONTENTSIZE_UNKNOWN) throw DecodeError("zstd frame does not record its size");
  // Refuse before allocating: a corrupt or hostile size must not exhaust memory.
  if (size > max_bytes) {
    throw DecodeError("zstd data claims " + std::to_string(size) + " bytes, over the limit of " +
                      std::to_string(max_bytes));
  }
  if (ZSTD_findFrameCompressedSize(frame.data(), frame.size()) != frame.size()) {
    throw DecodeError("zstd data is not exactly one frame");
  }
  ZSTD_DCtx* dctx = zstd_contexts().decompress.get();
  std::string out(static_cast<std::size_t>(size), '\0');
  // A JSON text as dictionary is raw content: the frame's matches may reach
  // back into it, and loading it costs next to nothing.
  const std::size_t got =
      dictionary.empty()
          ? ZSTD_decompressDCtx(dctx, out.data(), out.size(), frame.data(), frame.size())
          : ZSTD_decompress_usingDict(dctx, out.data(), out.size(), frame.data(), frame.size(), dictionary.data(),
                                      dictionary.size());
  if (ZSTD_isError(got) || got != out.size()) throw DecodeError("zstd data does not decompress to its claimed size");
  return out;
}

ChainDictionary::ChainDictionary(std::string text, std::uint64_t full_row_checksum, bool for_writing)
    : text_(std::move(text)), checksum_(full_row_checksum) {
  if (!for_writing) return;
  // The text is a JSON object, so it never starts with the magic number of
  // a trained dictionary: zstd takes it as raw content.
  tables_ = ZSTD_createCDict(text_.data(), text_.size(), kZstdLevel);
  if (tables_ == nullptr) throw std::bad_alloc();
}

std::shared_ptr<const ChainDictionary> ChainDictionary::for_reading(std::string text, std::uint64_t full_row_checksum) {
  return std::shared_ptr<const ChainDictionary>(new ChainDictionary(std::move(text), full_row_checksum, false));
}

std::shared_ptr<const ChainDictionary> ChainDictionary::for_writing(std::string text, std::uint64_t full_row_checksum) {
  return std::shared_ptr<const ChainDictionary>(new ChainDictionary(std::move(text), full_row_checksum, true));
}

ChainDictionary::~ChainDictionary() { ZSTD_freeCDict(tables_); }

std::optional<std::string> ChainDictionary::compress(std::string_view bytes) const {
  if (tables_ == nullptr) throw std::logic_error("deltackpt: ChainDictionary::compress on a dictionary for reading");
  std::string out(ZSTD_compressBound(bytes.size()), '\0');
  const std::size_t written = ZSTD_compress_usingCDict(zstd_contexts().compress.get(), out.data(), out.size(),
                                                       bytes.data(), bytes.size(), tables_);
  return smaller_or_none(std::move(out), written, bytes.size());
}

std::size_t ChainDictionary::memory_bytes() const noexcept {
  return sizeof(*this) + text_.capacity() + (tables_ != nullptr ? ZSTD_sizeof_CDict(tables_) : 0);
}

}  // namespace deltackpt::detail
