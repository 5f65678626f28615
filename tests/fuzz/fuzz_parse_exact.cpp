// libFuzzer target: parse_exact on arbitrary text. It either returns or
// throws InvalidArgument; what it returns must be what nlohmann's own parser
// (another code path) builds from the same text, and it refuses only what
// that parser would change or reject (an integer it reads as a float, a
// repeated key, nesting past the limit, a syntax error).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "deltackpt/errors.hpp"
#include "deltackpt/json.hpp"
#include "json_internal.hpp"
#include "support/exact_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  constexpr int kDepth = 32;
  deltackpt::Json exact;
  bool refused = false;
  try {
    exact = deltackpt::parse_exact(text, kDepth);
  } catch (const deltackpt::InvalidArgument&) {
    refused = true;
  }
  // nlohmann's parser stops at a NUL as at the end of the text.
  if (text.find('\0') != std::string_view::npos) {
    if (!refused) std::abort();
    return 0;
  }
  // The oracle recurses: only texts it can take safely.
  if (deltackpt::detail::max_nesting(text) > kDepth) {
    if (!refused) std::abort();  // deeper than the limit, yet accepted
    return 0;
  }
  deltackpt::Json reference;
  try {
    reference = deltackpt::Json::parse(text);
  } catch (const deltackpt::Json::exception&) {
    if (!refused) std::abort();  // nlohmann rejects what parse_exact accepted
    return 0;
  }
  if (!refused && deltackpt::testing::exact_text(exact) != deltackpt::testing::exact_text(reference)) std::abort();
  return 0;
}
