// Recognising and redacting PostgreSQL connection strings.
#include "conninfo.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>
#include <vector>

namespace deltackpt::detail {
namespace {

constexpr std::array<std::string_view, 16> kKeywords = {
    "host",     "hostaddr", "port",    "dbname",           "user",    "password",
    "passfile", "service",  "sslmode", "application_name", "options", "connect_timeout",
    "target_session_attrs", "sslrootcert", "sslcert", "channel_binding"};

bool equals_ignoring_case(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

using Span = std::pair<std::size_t, std::size_t>;  // offset, length

// Where `text` holds passwords: a URL's user info (scheme://user:PW@host),
// and each value after "password=" (any case; a query parameter or a
// keyword, quoted '...' or not), in order.
std::vector<Span> password_spans(std::string_view text) {
  std::vector<Span> spans;
  if (const std::size_t scheme = text.find("://"); scheme != std::string_view::npos) {
    const std::size_t info = scheme + 3;
    const std::size_t at = text.find('@', info);
    const std::size_t slash = text.find('/', info);
    const std::size_t colon = text.find(':', info);
    if (at != std::string_view::npos && (slash == std::string_view::npos || at < slash) && colon < at) {
      spans.emplace_back(colon + 1, at - colon - 1);
    }
  }
  constexpr std::string_view kKey = "password";
  for (std::size_t at = 0; at + kKey.size() < text.size(); ++at) {
    if (!equals_ignoring_case(text.substr(at, kKey.size()), kKey)) continue;
    std::size_t value = at + kKey.size();
    while (value < text.size() && text[value] == ' ') ++value;
    if (value >= text.size() || text[value] != '=') continue;
    ++value;
    while (value < text.size() && text[value] == ' ') ++value;
    std::size_t end = value;
    if (end < text.size() && text[end] == '\'') {
      for (++end; end < text.size() && text[end] != '\''; ++end) {
        if (text[end] == '\\') ++end;
      }
      end = std::min(end + 1, text.size());
    } else {
      while (end < text.size() && std::string_view(" &'\"").find(text[end]) == std::string_view::npos) ++end;
    }
    spans.emplace_back(value, end - value);
    at = end;
  }
  return spans;
}

}  // namespace

bool is_keyword_value_conninfo(std::string_view text) noexcept {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  const std::size_t eq = text.find('=');
  if (eq == std::string_view::npos) return false;
  std::string_view key = text.substr(0, eq);
  while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
  return std::any_of(kKeywords.begin(), kKeywords.end(), [&](std::string_view k) { return k == key; });
}

std::string redact_password(std::string_view text) {
  std::string out(text);
  const std::vector<Span> spans = password_spans(text);
  for (auto it = spans.rbegin(); it != spans.rend(); ++it) out.replace(it->first, it->second, "***");
  return out;
}

std::string without_passwords_of(std::string message, std::string_view conninfo) {
  message = redact_password(message);
  for (const auto& [offset, length] : password_spans(conninfo)) {
    std::string_view password = conninfo.substr(offset, length);
    if (password.size() >= 2 && password.front() == '\'' && password.back() == '\'') {
      password = password.substr(1, password.size() - 2);
    }
    if (password.empty()) continue;
    for (std::size_t at = message.find(password); at != std::string::npos; at = message.find(password, at + 3)) {
      message.replace(at, password.size(), "***");
    }
  }
  return message;
}

}  // namespace deltackpt::detail
