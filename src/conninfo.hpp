// PostgreSQL connection strings in messages: never with their password.
#pragma once

#include <string>
#include <string_view>

namespace deltackpt::detail {

// True for a libpq keyword/value connection string ("host=... dbname=..."):
// its first word is a libpq keyword followed by '='.
bool is_keyword_value_conninfo(std::string_view text) noexcept;

// `text` with every password it carries replaced by "***": the one in a
// URL's user info (postgresql://user:PASSWORD@host), a password=... query
// parameter, and a password=... keyword (quoted or not).
std::string redact_password(std::string_view text);

// `message` redacted, and with every occurrence of a password `conninfo`
// carries masked too (libpq's messages may quote parts of the connection
// string, a password among them).
std::string without_passwords_of(std::string message, std::string_view conninfo);

}  // namespace deltackpt::detail
