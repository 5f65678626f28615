// libFuzzer target: apply_delta on arbitrary delta documents against
// arbitrary bases. Input: base JSON, a NUL byte, delta JSON. Anything but a
// clean result or deltackpt::Corruption is a bug.
#include <cstdint>
#include <string_view>

#include "deltackpt/diff.hpp"
#include "deltackpt/errors.hpp"
#include "json_internal.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t split = input.find('\0');
  if (split == std::string_view::npos) return 0;
  const std::string_view base_text = input.substr(0, split);
  const std::string_view delta_text = input.substr(split + 1);
  // Stored rows are depth-checked the same way before parsing.
  if (deltackpt::detail::max_nesting(base_text) > 64 || deltackpt::detail::max_nesting(delta_text) > 132) return 0;
  deltackpt::Json base, delta;
  try {
    base = deltackpt::Json::parse(base_text);
    delta = deltackpt::Json::parse(delta_text);
  } catch (const deltackpt::Json::exception&) {
    return 0;
  }
  try {
    const deltackpt::Json result = deltackpt::apply_delta(base, delta);
    (void)result.dump();  // whatever it built must serialize
  } catch (const deltackpt::Corruption&) {
  }
  return 0;
}
