// String deltas: trim the common ends, then diff lines, words and, only in
// small changed stretches, characters, so the edit-script search stays bounded.
#include "string_diff.hpp"

#include <algorithm>
#include <cstring>
#include <functional>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "edit_script.hpp"
#include "json_internal.hpp"

namespace deltackpt::detail {
namespace {

// Hunks whose untouched gap is at most this many bytes are merged: a hunk's
// own overhead ({"at":…,"del":…,"ins":""}) is about this large.
constexpr std::size_t kMergeGapBytes = 12;

// Edit-script searches over about this many token comparisons are not
// worth it when the texts share little (see too_costly).
constexpr std::size_t kCostlySearch = 4'000'000;

// Length of the common prefix of `a` and `b`, eight bytes at a time.
std::size_t common_prefix(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  std::size_t i = 0;
  while (i + 8 <= n && std::memcmp(a.data() + i, b.data() + i, 8) == 0) i += 8;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

// Length of the common suffix of `a` and `b`, eight bytes at a time.
std::size_t common_suffix(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  std::size_t i = 0;
  while (i + 8 <= n && std::memcmp(a.data() + a.size() - i - 8, b.data() + b.size() - i - 8, 8) == 0) {
    i += 8;
  }
  while (i < n && a[a.size() - 1 - i] == b[b.size() - 1 - i]) ++i;
  return i;
}

// A text edit in byte offsets of the old string.
struct TextEdit {
  std::size_t at;
  std::size_t del;
  std::string_view ins;
};

enum class Level { kLines, kWords, kChars };

// Splits `s` after each '\n' (lines) or after each ' ' and '\n' (words).
std::vector<std::string_view> tokens(std::string_view s, Level level) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  if (level == Level::kLines) {  // memchr finds line ends far faster than a byte loop
    while (start < s.size()) {
      const void* nl = std::memchr(s.data() + start, '\n', s.size() - start);
      const std::size_t end =
          nl == nullptr ? s.size() : static_cast<std::size_t>(static_cast<const char*>(nl) - s.data()) + 1;
      out.push_back(s.substr(start, end - start));
      start = end;
    }
    return out;
  }
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\n' || (level == Level::kWords && c == ' ')) {
      out.push_back(s.substr(start, i + 1 - start));
      start = i + 1;
    }
  }
  if (start < s.size()) out.push_back(s.substr(start));
  return out;
}

// Code points of `s` as keys, with the byte offset of each (plus the end).
void code_points(std::string_view s, std::vector<std::uint64_t>& keys,
                 std::vector<std::size_t>& offsets) {
  keys.clear();
  offsets.clear();
  std::size_t i = 0;
  while (i < s.size()) {
    offsets.push_back(i);
    std::uint64_t key = static_cast<unsigned char>(s[i]);
    std::size_t j = i + 1;
    while (j < s.size() && is_utf8_continuation(s[j])) {
      key = (key << 8) | static_cast<unsigned char>(s[j]);
      ++j;
    }
    keys.push_back(key);
    i = j;
  }
  offsets.push_back(s.size());
}

class TextDiffer {
 public:
  TextDiffer(std::string_view a, std::string_view b, const DiffOptions& options)
      : a_(a), b_(b), options_(options) {}

  // Appends edits turning a_[a_off, a_off+a.size()) into b, where a and b are
  // the stretches at those offsets.
  void diff(std::size_t a_off, std::string_view a, std::string_view b, Level level) {
    if (a.empty() && b.empty()) return;
    if (a.empty() || b.empty()) {
      emit(a_off, a.size(), b);
      return;
    }
    if (a.size() + b.size() <= options_.char_diff_limit) {
      chars(a_off, a, b);
      return;
    }
    if (level == Level::kChars) {
      emit(a_off, a.size(), b);
      return;
    }
    const auto ta = tokens(a, level);
    const auto tb = tokens(b, level);
    const Level finer = level == Level::kLines ? Level::kWords : Level::kChars;
    if (ta.size() == 1 && tb.size() == 1) {  // one long line: try words
      diff(a_off, a, b, finer);
      return;
    }
    if (too_costly(ta, tb)) {
      emit(a_off, a.size(), b);
      return;
    }
    std::vector<std::uint64_t> ka(ta.size()), kb(tb.size());
    for (std::size_t i = 0; i < ta.size(); ++i) ka[i] = std::hash<std::string_view>{}(ta[i]);
    for (std::size_t j = 0; j < tb.size(); ++j) kb[j] = std::hash<std::string_view>{}(tb[j]);
    const std::function<bool(std::size_t, std::size_t)> confirm =
        [&](std::size_t i, std::size_t j) { return ta[i] == tb[j]; };
    const auto regions = edit_regions(ka, kb, confirm);
    // Byte offset of each token within a and b.
    std::vector<std::size_t> oa(ta.size() + 1, 0), ob(tb.size() + 1, 0);
    for (std::size_t i = 0; i < ta.size(); ++i) oa[i + 1] = oa[i] + ta[i].size();
    for (std::size_t j = 0; j < tb.size(); ++j) ob[j + 1] = ob[j] + tb[j].size();
    for (const auto& r : regions) {
      const std::string_view ra = a.substr(oa[r.a_begin], oa[r.a_end] - oa[r.a_begin]);
      const std::string_view rb = b.substr(ob[r.b_begin], ob[r.b_end] - ob[r.b_begin]);
      diff(a_off + oa[r.a_begin], ra, rb, finer);
    }
  }

  const std::vector<TextEdit>& edits() const { return edits_; }

 private:
  // The search costs about (N + M) * D; D is at least the number of tokens
  // found on one side only. Texts that share little are cheaper replaced.
  bool too_costly(const std::vector<std::string_view>& ta,
                  const std::vector<std::string_view>& tb) const {
    const std::size_t total = ta.size() + tb.size();
    if (total > options_.sequence_diff_limit) return true;
    if (total * tb.size() <= kCostlySearch) return false;  // whatever they share
    const std::unordered_set<std::string_view> in_a(ta.begin(), ta.end());
    std::size_t only_b = 0;
    for (const auto& t : tb) only_b += in_a.count(t) == 0 ? 1U : 0U;
    return only_b * 4 > tb.size() * 3 && total * only_b > kCostlySearch;
  }

  void chars(std::size_t a_off, std::string_view a, std::string_view b) {
    code_points(a, ka_, oa_);
    code_points(b, kb_, ob_);
    for (const auto& r : edit_regions(ka_, kb_)) {
      emit(a_off + oa_[r.a_begin], oa_[r.a_end] - oa_[r.a_begin],
           b.substr(ob_[r.b_begin], ob_[r.b_end] - ob_[r.b_begin]));
    }
  }

  // Records an edit; merges it with the previous one when the gap between
  // them is small (the gap's text is then deleted and inserted again).
  void emit(std::size_t at, std::size_t del, std::string_view ins) {
    if (!edits_.empty()) {
      TextEdit& last = edits_.back();
      const std::size_t last_end = last.at + last.del;
      if (at - last_end <= kMergeGapBytes) {
        // ins views point into b_: the merged insert is the stretch of b from
        // the start of last.ins through the end of ins.
        const std::size_t b_start = static_cast<std::size_t>(last.ins.data() - b_.data());
        const std::size_t b_end = static_cast<std::size_t>(ins.data() - b_.data()) + ins.size();
        last.del = at + del - last.at;
        last.ins = b_.substr(b_start, b_end - b_start);
        return;
      }
    }
    edits_.push_back({at, del, ins});
  }

  std::string_view a_, b_;
  const DiffOptions& options_;
  std::vector<TextEdit> edits_;
  std::vector<std::uint64_t> ka_, kb_;
  std::vector<std::size_t> oa_, ob_;
};

}  // namespace

Json diff_string(const std::string& a, const std::string& b, const DiffOptions& options,
                 std::optional<std::size_t> b_quoted, std::int64_t* quoted_change) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  std::size_t prefix = common_prefix(a, b);
  // Never start a stretch inside a code point.
  while (prefix > 0 && ((prefix < n && is_utf8_continuation(a[prefix])) ||
                        (prefix < m && is_utf8_continuation(b[prefix])))) {
    --prefix;
  }
  std::size_t suffix =
      common_suffix(std::string_view(a).substr(prefix), std::string_view(b).substr(prefix));
  while (suffix > 0 && (is_utf8_continuation(a[n - suffix]) || is_utf8_continuation(b[m - suffix]))) {
    --suffix;
  }
  const std::string_view whole_b(b);
  const std::string_view a_mid = std::string_view(a).substr(prefix, n - prefix - suffix);
  const std::string_view b_mid = whole_b.substr(prefix, m - prefix - suffix);

  TextDiffer differ(a, whole_b, options);
  differ.diff(prefix, a_mid, b_mid, Level::kLines);

  Json hunks = Json::array();
  std::size_t patch_bytes = 10;  // {"text":[]}
  std::int64_t change = 0;       // outside the edits, a and b are the same bytes
  for (const auto& e : differ.edits()) {
    Json hunk = Json::object();
    hunk["at"] = e.at;
    if (e.del > 0) hunk["del"] = e.del;
    if (!e.ins.empty()) hunk["ins"] = std::string(e.ins);
    const std::size_t ins_quoted = quoted_size(e.ins);
    patch_bytes += 24 + ins_quoted;
    if (quoted_change != nullptr) {
      change += static_cast<std::int64_t>(ins_quoted) -
                static_cast<std::int64_t>(quoted_size(std::string_view(a).substr(e.at, e.del)));
    }
    hunks.push_back(std::move(hunk));
  }
  if (quoted_change != nullptr) *quoted_change = change;
  // Replace unless the script is clearly (10%) smaller than the new text.
  if (patch_bytes * 10 >= (b_quoted ? *b_quoted : quoted_size(b)) * 9) {
    Json node = Json::object();
    node["set"] = b;
    return node;
  }
  Json node = Json::object();
  node["text"] = std::move(hunks);
  return node;
}

}  // namespace deltackpt::detail
