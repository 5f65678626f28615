// Exact comparison, hashing, sizing and validation of Json values.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <functional>
#include <optional>

#include "deltackpt/errors.hpp"
#include "deltackpt/json.hpp"
#include "json_internal.hpp"

namespace deltackpt {
namespace detail {
std::size_t quoted_size(std::string_view s) noexcept;
}
namespace {

using Type = Json::value_t;

bool is_integer(Type t) noexcept {
  return t == Type::number_integer || t == Type::number_unsigned;
}

// Integers compare by value whatever the kind nlohmann stored them as: 5
// parsed (unsigned) and 5 built from an int (signed) are the same text. A
// negative value never equals an unsigned one.
bool same_integer(const Json& a, const Json& b) noexcept {
  return detail::exact_integer(a) == detail::exact_integer(b);
}

std::size_t digits(std::uint64_t v) noexcept {
  std::size_t n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

std::size_t float_size(double x) {
  char buffer[64];
  const char* end = nlohmann::detail::to_chars(buffer, buffer + sizeof buffer, x);
  return static_cast<std::size_t>(end - buffer);
}

std::size_t escaped_extra(unsigned char c) noexcept {
  switch (c) {
    case '"': case '\\': case '\b': case '\f': case '\n': case '\r': case '\t':
      return 1;
    default:
      return c < 0x20 ? 5U : 0U;  // \u00XX
  }
}

// True when one of the eight bytes in `w` is a quote, a backslash or a
// control character (each is escaped in JSON text).
bool needs_escape(std::uint64_t w) noexcept {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
  const auto has_zero = [](std::uint64_t x) { return ((x - kOnes) & ~x & kHighs) != 0; };
  return ((w - kOnes * 0x20) & ~w & kHighs) != 0 || has_zero(w ^ (kOnes * '"')) ||
         has_zero(w ^ (kOnes * '\\'));
}

// Counts serialized bytes, stopping early once past `cap`.
class SizeCounter {
 public:
  explicit SizeCounter(std::size_t cap) : cap_(cap) {}

  void add(const Json& v) {
    if (total_ > cap_) return;
    switch (v.type()) {
      case Type::null: total_ += 4; break;
      case Type::boolean: total_ += v.get<bool>() ? 4U : 5U; break;
      case Type::number_integer: {
        const auto i = v.get<std::int64_t>();
        total_ += i < 0 ? 1 + digits(0 - static_cast<std::uint64_t>(i))
                        : digits(static_cast<std::uint64_t>(i));
        break;
      }
      case Type::number_unsigned: total_ += digits(v.get<std::uint64_t>()); break;
      case Type::number_float: total_ += float_size(v.get<double>()); break;
      case Type::string: {
        const auto& s = v.get_ref<const std::string&>();
        // Escapes only add bytes: a string longer than the cap is past it.
        total_ += total_ + s.size() + 2 > cap_ ? s.size() + 2 : detail::quoted_size(s);
        break;
      }
      case Type::array: {
        total_ += v.empty() ? 2 : 1 + v.size();  // brackets and commas
        for (const auto& e : v) {
          add(e);
          if (total_ > cap_) return;
        }
        break;
      }
      case Type::object: {
        total_ += v.empty() ? 2 : 1 + v.size() * 2;  // braces, colons, commas
        for (auto it = v.begin(); it != v.end(); ++it) {
          total_ += detail::quoted_size(it.key());
          add(it.value());
          if (total_ > cap_) return;
        }
        break;
      }
      case Type::binary:
      case Type::discarded:
        total_ += 4;  // never stored: validate_value rejects them
        break;
    }
  }
  std::size_t total() const noexcept { return total_; }

 private:
  std::size_t cap_;
  std::size_t total_ = 0;
};

class Validator {
 public:
  Validator(const detail::ValueLimits& limits, std::string_view what)
      : limits_(limits), what_(what) {}

  void check(const Json& v, int depth) {
    switch (v.type()) {
      case Type::number_float:
        if (!std::isfinite(v.get<double>())) fail("is NaN or infinite (JSON has no such number)");
        break;
      case Type::string:
        check_utf8(v.get_ref<const std::string&>());
        break;
      case Type::array:
        if (depth >= limits_.max_depth) fail_depth();
        for (std::size_t i = 0; i < v.size(); ++i) {
          const std::size_t mark = path_.size();
          path_ += '/';
          path_ += std::to_string(i);
          check(v[i], depth + 1);
          path_.resize(mark);
        }
        break;
      case Type::object:
        if (depth >= limits_.max_depth) fail_depth();
        for (auto it = v.begin(); it != v.end(); ++it) {
          const std::size_t mark = path_.size();
          check_utf8(it.key(), /*is_key=*/true);
          detail::append_pointer_token(path_, it.key());
          check(it.value(), depth + 1);
          path_.resize(mark);
        }
        break;
      case Type::binary:
      case Type::discarded:
        fail("is not a JSON value (binary or discarded)");
        break;
      default:
        break;
    }
  }

 private:
  void check_utf8(const std::string& s, bool is_key = false) {
    const std::size_t ok = detail::valid_utf8_prefix(s);
    if (ok == s.size()) return;
    fail(std::string(is_key ? "has a key" : "is a string") +
         " with invalid UTF-8 at byte " + std::to_string(ok));
  }
  [[noreturn]] void fail_depth() {
    fail("nests deeper than the limit of " + std::to_string(limits_.max_depth) + " levels");
  }
  [[noreturn]] void fail(const std::string& why) {
    throw InvalidArgument(std::string(what_) + " at \"" + path_ + "\" " + why);
  }

  const detail::ValueLimits& limits_;
  std::string_view what_;
  std::string path_;
};

// The common case of validate_value: one pass, no path bookkeeping, that
// checks and counts at once. On the first problem it returns false and the
// slower Validator runs to say where.
class FastCheck {
 public:
  explicit FastCheck(int max_depth) : max_depth_(max_depth) {}

  bool value(const Json& v, int depth) {
    switch (v.type()) {
      case Type::null: total_ += 4; return true;
      case Type::boolean: total_ += v.get<bool>() ? 4U : 5U; return true;
      case Type::number_integer:
      case Type::number_unsigned:
        total_ += detail::serialized_size_capped(v, SIZE_MAX - 1);
        return true;
      case Type::number_float: {
        const double x = v.get<double>();
        if (!std::isfinite(x)) return false;
        total_ += float_size(x);
        return true;
      }
      case Type::string: return string(v.get_ref<const std::string&>());
      case Type::array:
        if (depth >= max_depth_) return false;
        total_ += v.empty() ? 2 : 1 + v.size();
        for (const auto& e : v) {
          if (!value(e, depth + 1)) return false;
        }
        return true;
      case Type::object:
        if (depth >= max_depth_) return false;
        total_ += v.empty() ? 2 : 1 + v.size() * 2;
        for (auto it = v.begin(); it != v.end(); ++it) {
          if (!string(it.key()) || !value(it.value(), depth + 1)) return false;
        }
        return true;
      default: return false;
    }
  }
  std::size_t total() const noexcept { return total_; }

  // Valid UTF-8, and its size as a JSON string literal.
  bool string(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    std::size_t extra = 0;
    std::size_t i = 0;
    while (i < n) {
      // Eight plain ASCII bytes that need no escaping, at a time.
      while (i + 8 <= n) {
        std::uint64_t w;
        std::memcpy(&w, p + i, 8);
        if ((w & 0x8080808080808080ULL) != 0 || needs_escape(w)) break;
        i += 8;
      }
      if (i >= n) break;
      const unsigned char c = p[i];
      if (c < 0x80) {
        extra += escaped_extra(c);
        ++i;
        continue;
      }
      // Exactly one code point: the bytes after it may need escaping.
      const std::size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      if (length > n - i || detail::valid_utf8_prefix(s.substr(i, length)) != length) return false;
      i += length;
    }
    total_ += n + 2 + extra;
    return true;
  }

 private:
  int max_depth_;
  std::size_t total_ = 0;
};

std::uint64_t mix(std::uint64_t h, std::uint64_t v) noexcept {
  // splitmix64 finalizer over the combination: cheap and well distributed.
  std::uint64_t x = h ^ (v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2));
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

bool same_value(const Json& a, const Json& b) noexcept {
  const Type ta = a.type();
  const Type tb = b.type();
  if (ta != tb) return is_integer(ta) && is_integer(tb) && same_integer(a, b);
  switch (ta) {
    case Type::null: return true;
    case Type::boolean:
      return *a.get_ptr<const Json::boolean_t*>() == *b.get_ptr<const Json::boolean_t*>();
    case Type::number_integer:
    case Type::number_unsigned: return same_integer(a, b);
    case Type::number_float:
      return std::bit_cast<std::uint64_t>(*a.get_ptr<const Json::number_float_t*>()) ==
             std::bit_cast<std::uint64_t>(*b.get_ptr<const Json::number_float_t*>());
    case Type::string:
      return *a.get_ptr<const Json::string_t*>() == *b.get_ptr<const Json::string_t*>();
    case Type::array: {
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (!same_value(a[i], b[i])) return false;
      }
      return true;
    }
    case Type::object: {
      if (a.size() != b.size()) return false;
      for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
        if (ia.key() != ib.key() || !same_value(ia.value(), ib.value())) return false;
      }
      return true;
    }
    case Type::binary: return a == b;
    case Type::discarded: return true;
  }
  return false;
}

std::size_t serialized_size(const Json& value) {
  SizeCounter counter(SIZE_MAX - 1);
  counter.add(value);
  return counter.total();
}

namespace detail {

std::size_t serialized_size_capped(const Json& value, std::size_t cap) {
  SizeCounter counter(cap);
  counter.add(value);
  return counter.total();
}

std::size_t quoted_size(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t n = s.size() + 2;
  std::size_t i = 0;
  // Eight bytes at a time while none needs escaping (the common case).
  while (i + 8 <= s.size()) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (needs_escape(w)) {
      for (const std::size_t end = i + 8; i < end; ++i) n += escaped_extra(p[i]);
    } else {
      i += 8;
    }
  }
  for (; i < s.size(); ++i) n += escaped_extra(p[i]);
  return n;
}

std::uint64_t hash_value(const Json& v) noexcept {
  switch (v.type()) {
    case Type::null: return 0x6e756c6cULL;
    case Type::boolean: return v.get<bool>() ? 0x74727565ULL : 0x66616c73ULL;
    case Type::number_integer:
    case Type::number_unsigned:
    {
      // Non-negative integers hash the same whether stored signed or not;
      // negative ones apart from unsigned ones of the same bits.
      const detail::ExactInteger i = detail::exact_integer(v);
      return mix(i.negative ? 8 : 1, i.bits);
    }
    case Type::number_float: return mix(2, std::bit_cast<std::uint64_t>(v.get<double>()));
    case Type::string:
      return mix(3, std::hash<std::string_view>{}(v.get_ref<const std::string&>()));
    case Type::array: {
      std::uint64_t h = mix(4, v.size());
      for (const auto& e : v) h = mix(h, hash_value(e));
      return h;
    }
    case Type::object: {
      std::uint64_t h = mix(5, v.size());
      for (auto it = v.begin(); it != v.end(); ++it) {
        h = mix(h, std::hash<std::string_view>{}(it.key()));
        h = mix(h, hash_value(it.value()));
      }
      return h;
    }
    default: return 7;
  }
}

std::optional<std::size_t> checked_size(const Json& value, int depth, int max_depth) {
  FastCheck fast(max_depth);
  if (!fast.value(value, depth)) return std::nullopt;
  return fast.total();
}

std::optional<std::size_t> checked_quoted_size(std::string_view s) {
  FastCheck fast(0);
  if (!fast.string(s)) return std::nullopt;
  return fast.total();
}

std::size_t validate_value(const Json& value, const ValueLimits& limits,
                           std::string_view what) {
  FastCheck fast(limits.max_depth);
  if (fast.value(value, 0)) return fast.total();
  Validator(limits, what).check(value, 0);  // throws, naming the path
  throw InvalidArgument(std::string(what) + " cannot be stored");
}

void check_state_bytes(std::size_t bytes, std::size_t max_state_bytes, std::string_view what) {
  if (bytes > max_state_bytes) {
    throw InvalidArgument(std::string(what) + " is " + std::to_string(bytes) + " bytes, over the limit of " +
                          std::to_string(max_state_bytes));
  }
}

std::size_t valid_utf8_prefix(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    // Skip ASCII eight bytes at a time: the common case for agent text.
    while (i + 8 <= n) {
      std::uint64_t word;
      std::memcpy(&word, p + i, 8);
      if (word & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= n) break;
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1FU;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0FU;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07U;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0U) != 0x80U) return i;
      cp = (cp << 6) | (p[i + k] & 0x3FU);
    }
    const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
    if (overlong || surrogate || cp > 0x10FFFF) return i;
    i += len;
  }
  return n;
}

int max_nesting(std::string_view text) noexcept {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest) deepest = depth;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

void append_pointer_token(std::string& pointer, std::string_view token) {
  pointer += '/';
  for (const char c : token) {
    if (c == '~') {
      pointer += "~0";
    } else if (c == '/') {
      pointer += "~1";
    } else {
      pointer += c;
    }
  }
}

}  // namespace detail
std::size_t check_state(const Json& state, const Limits& limits) {
  if (!state.is_object()) {
    throw InvalidArgument(std::string("the state must be a JSON object, not ") + state.type_name());
  }
  const std::size_t bytes = detail::validate_value(state, detail::ValueLimits{limits.max_depth}, "state");
  detail::check_state_bytes(bytes, limits.max_state_bytes, "the state");
  return bytes;
}

}  // namespace deltackpt
