// The information floor, streamed: the states are never all in memory.
#include "floor.hpp"

#include <zstd.h>

#include <memory>
#include <stdexcept>

#include "workload_source.hpp"

namespace deltackpt::bench {

std::int64_t information_floor(const std::string& workload, int steps, std::uint64_t seed) {
  std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> cctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
  if (!cctx) throw std::bad_alloc();
  const auto check = [](std::size_t rc) {
    if (ZSTD_isError(rc)) throw std::runtime_error(std::string("zstd: ") + ZSTD_getErrorName(rc));
    return rc;
  };
  check(ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, 19));
  check(ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_enableLongDistanceMatching, 1));
  check(ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_windowLog, 27));
  std::string out(ZSTD_CStreamOutSize(), '\0');
  std::int64_t total = 0;
  const auto feed = [&](const std::string& text, ZSTD_EndDirective mode) {
    ZSTD_inBuffer in{text.data(), text.size(), 0};
    for (bool done = false; !done;) {
      ZSTD_outBuffer o{out.data(), out.size(), 0};
      const std::size_t left = check(ZSTD_compressStream2(cctx.get(), &o, &in, mode));
      total += static_cast<std::int64_t>(o.pos);
      done = mode == ZSTD_e_end ? left == 0 : in.pos == in.size;
    }
  };
  auto source = open_source(workload, seed);
  for (int i = 0; i < steps; ++i) feed(source->next().dump() + "\n", ZSTD_e_continue);
  feed(std::string(), ZSTD_e_end);
  return total;
}

}  // namespace deltackpt::bench
