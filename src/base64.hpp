// Base64 (RFC 4648, with padding): how JSON carries bytes that are not text,
// such as a pending write's value in the C API and the CLI's output.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace deltackpt::detail {

std::string base64_encode(std::string_view bytes);
// std::nullopt when `text` is not padded base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace deltackpt::detail
