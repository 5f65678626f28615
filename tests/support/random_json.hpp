// A seeded generator of random JSON values and of random mutations of them,
// for property tests. Set DELTACKPT_TEST_SEED to replay a failing run.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>

#include "deltackpt/json.hpp"

namespace deltackpt::testing {

// The seed for this run: DELTACKPT_TEST_SEED if set, else a fresh one.
inline std::uint64_t test_seed() {
  if (const char* env = std::getenv("DELTACKPT_TEST_SEED")) return std::strtoull(env, nullptr, 10);
  return std::random_device{}() ^ (static_cast<std::uint64_t>(std::random_device{}()) << 32);
}

class RandomJson {
 public:
  explicit RandomJson(std::uint64_t seed) : rng_(seed) {}

  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : rng_() % n; }
  bool chance(int percent) { return below(100) < static_cast<std::uint64_t>(percent); }

  // A string of 0..max_len pieces: ASCII words, spaces, newlines, escapes,
  // control characters and 2-, 3- and 4-byte UTF-8 characters.
  std::string text(std::size_t max_len) {
    static const char* const pieces[] = {
        "a",  "b",  "the ", "agent ", "tool", " ", "\n", "\t", "\"", "\\", "/", "{}", "[1]",
        "é",  "ж",  "中",   "文",     "😀",   "🚀", "ß", "\x01", "",  // index 21: a NUL byte, added below
        "e\u0301", "   ", "- item\n", "```\ncode\n```\n", "0123456789"};
    const std::size_t count = sizeof pieces / sizeof pieces[0];
    std::string s;
    const std::size_t n = below(max_len + 1);
    while (s.size() < n) {
      const std::size_t i = below(count);
      if (i == 21) {
        s.push_back('\0');  // a NUL inside a JSON string is legal and must survive
      } else {
        s += pieces[i];
      }
    }
    return s;
  }

  Json scalar() {
    switch (below(9)) {
      case 0: return nullptr;
      case 1: return chance(50);
      case 2: return static_cast<std::int64_t>(below(2000)) - 1000;
      case 3: return static_cast<std::uint64_t>(rng_());  // beyond 2^53 and int64
      case 4: {
        static const double specials[] = {0.0, -0.0, 1.0, -1.5, 1e300, 5e-324, 0.1, 9007199254740993.0};
        return specials[below(8)];
      }
      case 5: return static_cast<double>(static_cast<std::int64_t>(below(100000)) - 50000) / 64.0;
      case 6: return std::numeric_limits<std::int64_t>::min() + static_cast<std::int64_t>(below(3));
      default: return text(40);
    }
  }

  // A random value, at most `depth` levels deep, about `budget` nodes.
  Json value(int depth, int budget) {
    if (depth <= 0 || budget <= 1 || chance(30)) return chance(20) ? Json(text(300)) : scalar();
    if (chance(50)) {
      Json a = Json::array();
      const int n = static_cast<int>(below(static_cast<std::uint64_t>(std::min(budget, 40)) + 1));
      for (int i = 0; i < n; ++i) a.push_back(value(depth - 1, budget / (n + 1)));
      return a;
    }
    Json o = Json::object();
    const int n = static_cast<int>(below(static_cast<std::uint64_t>(std::min(budget, 20)) + 1));
    for (int i = 0; i < n; ++i) o[key()] = value(depth - 1, budget / (n + 1));
    return o;
  }

  std::string key() {
    static const char* const keys[] = {"id", "name", "messages", "content", "role", "x", "é", "🔑",
                                       "a/b", "m~n", "", "v", "set", "keys", "edits", "text"};
    std::string k = keys[below(16)];
    if (chance(50)) k += std::to_string(below(50));
    return k;
  }

  // Mutates `v` in place at one random spot (one of: insert, delete, move,
  // replace, string edit, type change); returns the bytes of new content it
  // introduced and sets `depth` to how deep the change is.
  std::size_t mutate(Json& v, int& depth) {
    depth = 0;
    Json* at = &v;
    // Walk down a random path.
    while ((at->is_array() || at->is_object()) && !at->empty() && chance(70)) {
      const std::size_t i = below(at->size());
      at = at->is_array() ? &(*at)[i] : &std::next(at->begin(), static_cast<std::ptrdiff_t>(i)).value();
      ++depth;
    }
    return mutate_here(*at);
  }

 private:
  std::size_t mutate_here(Json& v) {
    if (v.is_array() && !v.empty()) {
      auto& a = v.get_ref<Json::array_t&>();
      switch (below(4)) {
        case 0: {  // insert
          Json e = value(2, 8);
          const std::size_t n = e.dump().size();
          a.insert(a.begin() + static_cast<std::ptrdiff_t>(below(a.size() + 1)), std::move(e));
          return n;
        }
        case 1:  // delete
          a.erase(a.begin() + static_cast<std::ptrdiff_t>(below(a.size())));
          return 0;
        case 2: {  // move
          const std::size_t from = below(a.size());
          Json e = std::move(a[from]);
          a.erase(a.begin() + static_cast<std::ptrdiff_t>(from));
          a.insert(a.begin() + static_cast<std::ptrdiff_t>(below(a.size() + 1)), std::move(e));
          return 0;
        }
        default: {  // append
          a.push_back(value(2, 8));
          return a.back().dump().size();
        }
      }
    }
    if (v.is_object() && !v.empty()) {
      const std::size_t i = below(v.size());
      const std::string k = std::next(v.begin(), static_cast<std::ptrdiff_t>(i)).key();
      if (chance(50)) {
        v.erase(k);
        return 0;
      }
      Json e = value(2, 8);
      const std::size_t n = e.dump().size() + k.size() + 8;
      v[key() + "_new"] = std::move(e);
      return n;
    }
    if (v.is_string() && chance(80)) {
      std::string s = v.get<std::string>();
      // Edit at a code point boundary.
      std::size_t pos = below(s.size() + 1);
      while (pos < s.size() && (static_cast<unsigned char>(s[pos]) & 0xC0U) == 0x80U) ++pos;
      std::size_t end = pos + below(8);
      if (end > s.size()) end = s.size();
      while (end < s.size() && (static_cast<unsigned char>(s[end]) & 0xC0U) == 0x80U) ++end;
      const std::string ins = text(12);
      s.replace(pos, end - pos, ins);
      v = s;
      return ins.size() * 6 + 2;  // worst case: every byte escaped
    }
    // Type change or a new scalar.
    Json e = chance(50) ? scalar() : value(2, 6);
    const std::size_t n = e.dump().size();
    v = std::move(e);
    return n;
  }

  std::mt19937_64 rng_;
};

}  // namespace deltackpt::testing
