// libFuzzer target: diff() then apply_delta() on pairs of values built from
// the input; the round trip must be exact (judged by the tests' own oracle,
// not the library's comparison), through the delta's text as it would be
// stored, and the figures a save checks must follow the delta.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "deltackpt/diff.hpp"
#include "state_figures.hpp"
#include "support/exact_json.hpp"

namespace {

using deltackpt::Json;

// Reads bytes as instructions to build a value: valid UTF-8 only (states are
// validated before they are diffed).
class Builder {
 public:
  Builder(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool more() const { return pos_ < size_; }
  std::uint8_t next() { return pos_ < size_ ? data_[pos_++] : 0; }

  std::string text() {
    static const char* const pieces[] = {"a", "b", " ", "\n", "é", "中", "😀", "\"", "\\", "line\n", "\x01", "xyz"};
    std::string s;
    const int n = next() % 24;
    for (int i = 0; i < n; ++i) s += pieces[next() % 12];
    return s;
  }

  Json value(int depth) {
    const std::uint8_t op = next();
    switch (depth > 6 ? op % 6 : op % 9) {
      case 0: return nullptr;
      case 1: return (op & 0x10) != 0;
      case 2: return static_cast<std::int64_t>(next()) - 128;
      case 3: return static_cast<double>(static_cast<int>(next()) - 128) / 4.0;
      case 4: return std::uint64_t{18446744073709551615ULL} - next();
      case 5: return text();
      case 6:
      case 7: {
        Json a = Json::array();
        const int n = next() % 12;
        for (int i = 0; i < n && more(); ++i) a.push_back(value(depth + 1));
        return a;
      }
      default: {
        Json o = Json::object();
        const int n = next() % 8;
        for (int i = 0; i < n && more(); ++i) o[text()] = value(depth + 1);
        return o;
      }
    }
  }

  // A copy of `v` with a few edits driven by the input.
  void mutate(Json& v, int depth) {
    if (!more()) return;
    const std::uint8_t op = next();
    if ((v.is_array() || v.is_object()) && !v.empty() && op % 3 != 0 && depth < 8) {
      const std::size_t i = next() % v.size();
      if (v.is_array()) {
        switch (op % 5) {
          case 1: mutate(v[i], depth + 1); return;
          case 2: v.erase(v.begin() + static_cast<std::ptrdiff_t>(i)); return;
          case 3: v.insert(v.begin() + static_cast<std::ptrdiff_t>(i), value(depth + 1)); return;
          default: {
            Json moved = v[i];
            v.erase(v.begin() + static_cast<std::ptrdiff_t>(i));
            v.insert(v.begin() + static_cast<std::ptrdiff_t>(next() % (v.size() + 1)), moved);
            return;
          }
        }
      }
      auto it = v.begin();
      std::advance(it, static_cast<std::ptrdiff_t>(i));
      if (op % 2 == 0) {
        mutate(it.value(), depth + 1);
      } else {
        v.erase(it.key());
      }
      return;
    }
    if (v.is_string() && op % 2 == 0) {
      std::string s = v.get<std::string>();
      std::size_t at = s.empty() ? 0 : next() % (s.size() + 1);
      while (at < s.size() && (static_cast<unsigned char>(s[at]) & 0xC0U) == 0x80U) ++at;
      s.insert(at, text());
      v = s;
      return;
    }
    v = value(depth);
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Builder builder(data, size);
  const Json a = builder.value(0);
  Json b = a;
  const int edits = 1 + builder.next() % 4;
  for (int i = 0; i < edits; ++i) builder.mutate(b, 0);
  if (builder.next() % 8 == 0) b = builder.value(0);  // sometimes unrelated
  const Json stored = Json::parse(deltackpt::diff(a, b).dump());
  if (!deltackpt::testing::exactly_equal(deltackpt::apply_delta(a, stored), b)) std::abort();
  Json target = a;
  deltackpt::detail::StateFigures figures{static_cast<std::int64_t>(a.dump().size()),
                                          deltackpt::detail::fingerprint(a)};
  deltackpt::detail::apply_delta_with_figures(target, stored, figures);
  const deltackpt::detail::StateFigures wanted{static_cast<std::int64_t>(b.dump().size()),
                                               deltackpt::detail::fingerprint(b)};
  if (!(figures == wanted)) std::abort();
  return 0;
}
