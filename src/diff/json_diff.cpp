// diff(): builds delta documents (docs/delta-format.md) between two Json values.
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "deltackpt/diff.hpp"
#include "edit_script.hpp"
#include "json_internal.hpp"
#include "measured_diff.hpp"
#include "string_diff.hpp"

namespace deltackpt {
namespace {

using Type = Json::value_t;

// Bytes a {"at":N,"copy":M} hunk costs, roughly: below this size an element
// is cheaper to store again than to reference.
constexpr std::size_t kCopyWorthBytes = 24;

Json set_node(const Json& value) {
  Json node = Json::object();
  node["set"] = value;
  return node;
}

Json hunk_at(std::size_t at) {
  Json hunk = Json::object();
  hunk["at"] = at;
  return hunk;
}

// What diff_measured learns about `to` while diffing `from` against it.
struct Measure {
  std::int64_t size_change = 0;  // serialized_size(to) - serialized_size(from)
  bool valid = true;             // every value `to` does not share passed the checks
  int max_depth = 0;
  // Bytes of new values the delta must carry whole; once they exceed the
  // limit for the largest `to` can be (from_bytes + carried), the delta
  // surely does too and nothing more is built.
  std::int64_t carried = 0;
  std::int64_t from_bytes = 0;
  detail::DeltaSizeLimit limit;
  bool too_large = false;

  bool stopped() const { return !valid || too_large; }
  void carry(std::int64_t bytes) {
    carried += bytes;
    too_large = too_large || limit.exceeded(static_cast<std::size_t>(carried), static_cast<std::size_t>(from_bytes + carried));
  }
};

std::int64_t as_signed(std::size_t n) { return static_cast<std::int64_t>(n); }

using detail::array_frame_bytes;
using detail::object_frame_bytes;

class Differ {
 public:
  // With `measure`, the walk also validates and sizes what `b` does not
  // share with `a`: equal parts of a valid `a` need no second look.
  Differ(const DiffOptions& options, Measure* measure) : options_(options), measure_(measure) {}

  // A patch node turning `a` into `b`; std::nullopt when they are the same.
  std::optional<Json> value(const Json& a, const Json& b) {
    if (measure_ != nullptr && measure_->stopped()) return std::nullopt;  // the delta is void
    const Type ta = a.type();
    if (ta != b.type() || (ta != Type::object && ta != Type::array && ta != Type::string)) {
      if (same_value(a, b)) return std::nullopt;
      replaced(a, b);
      if (measure_ != nullptr && measure_->stopped()) return std::nullopt;
      return set_node(b);
    }
    if (ta == Type::string) {
      const auto& sa = a.get_ref<const std::string&>();
      const auto& sb = b.get_ref<const std::string&>();
      if (sa == sb) return std::nullopt;
      if (measure_ == nullptr) return detail::diff_string(sa, sb, options_);
      // One pass over the new string checks it; the size change comes from
      // the edits.
      const auto size = detail::checked_quoted_size(sb);
      if (!size) {
        measure_->valid = false;  // and diff_string needs valid UTF-8
        return std::nullopt;
      }
      std::int64_t change = 0;
      Json patch = detail::diff_string(sa, sb, options_, *size, &change);
      measure_->size_change += change;
      return patch;
    }
    const std::optional<Json> patch = ta == Type::object ? object(a, b) : array(a, b);
    if (!patch) return std::nullopt;
    // Keep the nested patch only when it is smaller than the new value.
    const std::size_t patch_bytes = serialized_size(*patch);
    if (detail::serialized_size_capped(b, patch_bytes) <= patch_bytes) return set_node(b);
    return patch;
  }

 private:
  // Trial diffs (samples, pairings whose whole region is measured anyway)
  // must not count.
  class Unmeasured {
   public:
    explicit Unmeasured(Measure*& measure) : slot_(measure), saved_(measure) { slot_ = nullptr; }
    ~Unmeasured() { slot_ = saved_; }
    Unmeasured(const Unmeasured&) = delete;
    Unmeasured& operator=(const Unmeasured&) = delete;

   private:
    Measure*& slot_;
    Measure* saved_;
  };

  // Checked size of a value of `b` found at `depth` that `a` does not have.
  std::int64_t fresh(const Json& v, int depth) {
    const auto size = detail::checked_size(v, depth, measure_->max_depth);
    if (!size) measure_->valid = false;
    return size ? as_signed(*size) : 0;
  }

  std::int64_t fresh_member(const std::string& key, const Json& v) {
    const auto key_size = detail::checked_quoted_size(key);
    if (!key_size) measure_->valid = false;
    return (key_size ? as_signed(*key_size) : 0) + fresh(v, depth_ + 1);
  }

  static std::int64_t old_member(const std::string& key, const Json& v) {
    return as_signed(detail::quoted_size(key) + serialized_size(v));
  }

  // A new member the delta carries whole.
  void added_member(const std::string& key, const Json& v) {
    if (measure_ == nullptr) return;
    const std::int64_t bytes = fresh_member(key, v);
    measure_->size_change += bytes;
    measure_->carry(bytes);
  }

  // `b` replaces `a` whole.
  void replaced(const Json& a, const Json& b) {
    if (measure_ == nullptr) return;
    const std::int64_t bytes = fresh(b, depth_);
    measure_->size_change += bytes - as_signed(serialized_size(a));
    measure_->carry(bytes);
  }

  // Elements a[a_begin, +a_count) replaced by b[b_begin, +b_count); returns
  // the bytes of the new ones.
  std::int64_t replaced_elements(const Json& a, std::size_t a_begin, std::size_t a_count,
                                 const Json& b, std::size_t b_begin, std::size_t b_count) {
    for (std::size_t i = 0; i < a_count; ++i) {
      measure_->size_change -= as_signed(serialized_size(a[a_begin + i]));
    }
    std::int64_t added = 0;
    for (std::size_t j = 0; j < b_count; ++j) added += fresh(b[b_begin + j], depth_ + 1);
    measure_->size_change += added;
    return added;
  }

  // value() on members or elements of the values being compared.
  std::optional<Json> nested_value(const Json& a, const Json& b) {
    const detail::DeeperLevel deeper(depth_);  // for the checks of new values
    return value(a, b);
  }

  void dropped(const std::string& key, const Json& v, Json& drop) {
    if (measure_) measure_->size_change -= old_member(key, v);
    drop.push_back(key);
  }

  std::optional<Json> object(const Json& a, const Json& b) {
    if (auto walked = object_in_step(a, b)) {
      if (walked->empty()) return std::nullopt;
      return walked;
    }
    if (measure_ != nullptr && measure_->stopped()) return std::nullopt;
    return object_indexed(a, b);
  }

  // The common case without building an index: both objects list their
  // surviving keys in the same order, a few keys are dropped (found within a
  // short look-ahead) and new keys come last. Returns nullopt when that does
  // not hold, and an empty (null) value when nothing changed.
  std::optional<Json> object_in_step(const Json& a, const Json& b) {
    constexpr std::size_t kLookAhead = 16;
    const std::optional<Measure> before = measure_ ? std::optional<Measure>(*measure_) : std::nullopt;
    const auto give_up = [&] {
      if (before) *measure_ = *before;  // object_indexed measures again
      return std::nullopt;
    };
    const detail::JsonMembers& am = detail::members_of(a);
    const detail::JsonMembers& bm = detail::members_of(b);
    Json keys;  // null until needed: most objects visited are unchanged
    Json drop;
    std::size_t i = 0;
    for (const auto& [key, b_value] : bm) {
      if (i == am.size()) {  // a is used up: everything left in b is new
        added_member(key, b_value);
        if (measure_ && measure_->stopped()) return std::nullopt;
        keys[key] = set_node(b_value);
        continue;
      }
      if (am[i].first != key) {
        // Keys of `a` before this one of `b` were dropped, if it is close.
        std::size_t probe = i;
        while (probe < am.size() && probe - i < kLookAhead && am[probe].first != key) ++probe;
        if (probe == am.size() || am[probe].first != key) return give_up();
        for (; i < probe; ++i) dropped(am[i].first, am[i].second, drop);
      }
      if (!detail::surely_same_leaf(am[i].second, b_value)) {
        if (auto patch = nested_value(am[i].second, b_value)) keys[key] = std::move(*patch);
      }
      ++i;
    }
    for (; i < am.size(); ++i) dropped(am[i].first, am[i].second, drop);
    if (measure_) measure_->size_change += object_frame_bytes(b.size()) - object_frame_bytes(a.size());
    Json node;  // stays null (empty()) when nothing changed
    if (!keys.empty()) node["keys"] = std::move(keys);
    if (!drop.empty()) node["drop"] = std::move(drop);
    return node;
  }

  std::optional<Json> object_indexed(const Json& a, const Json& b) {
    // Position of each key of `a`. Small objects are searched linearly.
    std::unordered_map<std::string_view, std::size_t> index;
    std::vector<const std::string*> a_keys;
    std::vector<const Json*> a_values;
    a_keys.reserve(a.size());
    a_values.reserve(a.size());
    for (auto it = a.begin(); it != a.end(); ++it) {
      a_keys.push_back(&it.key());
      a_values.push_back(&it.value());
    }
    const bool use_index = a.size() > 8;
    if (use_index) {
      index.reserve(a.size());
      for (std::size_t i = 0; i < a_keys.size(); ++i) index.emplace(*a_keys[i], i);
    }
    auto find = [&](const std::string& key) -> std::optional<std::size_t> {
      if (use_index) {
        const auto it = index.find(key);
        if (it == index.end()) return std::nullopt;
        return it->second;
      }
      for (std::size_t i = 0; i < a_keys.size(); ++i) {
        if (*a_keys[i] == key) return i;
      }
      return std::nullopt;
    };

    // apply_delta keeps surviving keys in their old order and appends new
    // keys; any other reordering is stored as a replacement.
    const std::optional<Measure> before = measure_ ? std::optional<Measure>(*measure_) : std::nullopt;
    std::vector<bool> kept(a.size(), false);
    Json keys;
    std::size_t last_position = 0;
    bool seen_new_key = false;
    bool first = true;
    for (auto it = b.begin(); it != b.end(); ++it) {
      const auto position = find(it.key());
      if (!position) {
        seen_new_key = true;
        added_member(it.key(), it.value());
        if (measure_ && measure_->stopped()) return std::nullopt;
        keys[it.key()] = set_node(it.value());
        continue;
      }
      if (seen_new_key || (!first && *position < last_position)) {
        if (before) *measure_ = *before;
        replaced(a, b);
        return set_node(b);
      }
      first = false;
      last_position = *position;
      kept[*position] = true;
      if (auto patch = nested_value(*a_values[*position], it.value())) keys[it.key()] = std::move(*patch);
    }
    Json drop;
    for (std::size_t i = 0; i < kept.size(); ++i) {
      if (!kept[i]) dropped(*a_keys[i], *a_values[i], drop);
    }
    if (measure_) measure_->size_change += object_frame_bytes(b.size()) - object_frame_bytes(a.size());
    if (keys.empty() && drop.empty()) return std::nullopt;
    Json node = Json::object();
    if (!keys.empty()) node["keys"] = std::move(keys);
    if (!drop.empty()) node["drop"] = std::move(drop);
    return node;
  }

  std::optional<Json> array(const Json& a, const Json& b) {
    const std::size_t n = a.size();
    const std::size_t m = b.size();
    std::size_t prefix = 0;
    while (prefix < n && prefix < m && same_value(a[prefix], b[prefix])) ++prefix;
    if (prefix == n && prefix == m) return std::nullopt;
    std::size_t suffix = 0;
    while (suffix < n - prefix && suffix < m - prefix &&
           same_value(a[n - 1 - suffix], b[m - 1 - suffix])) {
      ++suffix;
    }
    const std::size_t a_mid = n - prefix - suffix;
    const std::size_t b_mid = m - prefix - suffix;
    Json edits = Json::array();
    std::int64_t new_middle_bytes = 0;
    if (measure_) {
      measure_->size_change += array_frame_bytes(m) - array_frame_bytes(n);
      // A single changed element is measured by diffing it; any other middle
      // is measured whole (an edit script's pairings are only trials).
      if (a_mid != 1 || b_mid != 1) {
        new_middle_bytes = replaced_elements(a, prefix, a_mid, b, prefix, b_mid);
        if (measure_->stopped()) return std::nullopt;
      }
    }
    // The hunks below that insert the new middle whole carry it.
    const auto carry_middle = [&] {
      if (measure_ == nullptr) return true;
      measure_->carry(new_middle_bytes);
      return !measure_->stopped();
    };

    if (a_mid == 0 || b_mid == 0 || a_mid + b_mid > options_.sequence_diff_limit) {
      // Pure insert (append is the common case), pure delete (truncate), or
      // a middle too long to search: one replacement hunk.
      if (!carry_middle()) return std::nullopt;
      if (a_mid > 0) {
        Json hunk = hunk_at(prefix);
        hunk["del"] = a_mid;
        edits.push_back(std::move(hunk));
      }
      if (b_mid > 0) {
        Json hunk = hunk_at(prefix + a_mid);
        hunk["ins"] = Json(b.begin() + static_cast<std::ptrdiff_t>(prefix),
                           b.begin() + static_cast<std::ptrdiff_t>(prefix + b_mid));
        edits.push_back(std::move(hunk));
      }
    } else if (a_mid == 1 && b_mid == 1) {
      auto patch = nested_value(a[prefix], b[prefix]);
      if (!patch) return std::nullopt;  // only when measuring found `b` invalid
      Json hunk = hunk_at(prefix);
      hunk["patch"] = std::move(*patch);
      edits.push_back(std::move(hunk));
    } else {
      bool unrelated = false;
      {
        const Unmeasured trial(measure_);  // the middle was measured whole above
        unrelated = mostly_unrelated(a, b, prefix, a_mid, b_mid);
        if (!unrelated) middle_edits(a, b, prefix, a_mid, b_mid, edits);
      }
      if (unrelated) {
        // A list replaced by a different one (a fresh query result, say): an
        // edit script would pair unrelated elements and diff them for nothing.
        if (!carry_middle()) return std::nullopt;
        Json del = hunk_at(prefix);
        del["del"] = a_mid;
        edits.push_back(std::move(del));
        Json ins = hunk_at(prefix + a_mid);
        ins["ins"] = Json(b.begin() + static_cast<std::ptrdiff_t>(prefix),
                          b.begin() + static_cast<std::ptrdiff_t>(prefix + b_mid));
        edits.push_back(std::move(ins));
      }
    }
    Json node = Json::object();
    node["edits"] = std::move(edits);
    return node;
  }

  // True when the changed middles share almost no elements and the first
  // few pairs of them do not diff into anything smaller than themselves: then
  // nothing is to be gained by searching and pairing. Linear in the middles
  // plus a bounded sample.
  bool mostly_unrelated(const Json& a, const Json& b, std::size_t prefix, std::size_t a_mid,
                        std::size_t b_mid) {
    constexpr std::size_t kSmall = 32;
    constexpr std::size_t kSample = 8;
    if (a_mid + b_mid <= kSmall) return false;
    std::unordered_set<std::uint64_t> in_a;
    in_a.reserve(a_mid);
    for (std::size_t i = 0; i < a_mid; ++i) in_a.insert(detail::hash_value(a[prefix + i]));
    std::size_t shared = 0;
    for (std::size_t j = 0; j < b_mid; ++j) shared += in_a.count(detail::hash_value(b[prefix + j]));
    if (shared * 4 >= std::min(a_mid, b_mid)) return false;
    const std::size_t sample = std::min({kSample, a_mid, b_mid});
    std::size_t useful = 0;
    for (std::size_t k = 0; k < sample; ++k) {
      const auto patch = nested_value(a[prefix + k], b[prefix + k]);
      if (patch && !patch->contains("set")) ++useful;
    }
    return useful * 2 < sample;
  }

  // Edit script over element hashes for a[prefix, prefix+a_mid) against
  // b[prefix, prefix+b_mid). Paired elements become nested patches, elements
  // that moved become copies of the old element.
  void middle_edits(const Json& a, const Json& b, std::size_t prefix, std::size_t a_mid,
                    std::size_t b_mid, Json& edits) {
    std::vector<std::uint64_t> ha(a_mid), hb(b_mid);
    for (std::size_t i = 0; i < a_mid; ++i) ha[i] = detail::hash_value(a[prefix + i]);
    for (std::size_t j = 0; j < b_mid; ++j) hb[j] = detail::hash_value(b[prefix + j]);
    const std::function<bool(std::size_t, std::size_t)> confirm =
        [&](std::size_t i, std::size_t j) { return same_value(a[prefix + i], b[prefix + j]); };
    const auto regions = detail::edit_regions(ha, hb, confirm);

    // Old elements the script deletes, by hash: an inserted element equal to
    // one of them has moved and is stored as a reference to it.
    std::unordered_multimap<std::uint64_t, std::size_t> deleted;
    for (const auto& r : regions) {
      for (std::size_t i = r.a_begin; i < r.a_end; ++i) deleted.emplace(ha[i], prefix + i);
    }
    auto moved_from = [&](std::size_t j) -> std::optional<std::size_t> {
      const Json& element = b[prefix + j];
      auto [lo, hi] = deleted.equal_range(hb[j]);
      for (auto it = lo; it != hi; ++it) {
        if (same_value(a[it->second], element)) return it->second;
      }
      return std::nullopt;
    };

    for (const auto& r : regions) {
      const std::size_t region_end = prefix + r.a_end;
      std::size_t cursor = prefix + r.a_begin;
      Json* open_insert = nullptr;  // the last hunk, when it is a literal insert
      Json* open_copy = nullptr;    // the last hunk, when it is a copy run
      for (std::size_t j = r.b_begin; j < r.b_end; ++j) {
        const Json& element = b[prefix + j];
        const auto source = moved_from(j);
        if (source && detail::serialized_size_capped(element, kCopyWorthBytes) > kCopyWorthBytes) {
          open_insert = nullptr;
          if (open_copy != nullptr &&
              (*open_copy)["copy"].get<std::size_t>() + (*open_copy).value("n", std::size_t{1}) ==
                  *source) {
            (*open_copy)["n"] = (*open_copy).value("n", std::size_t{1}) + 1;
            continue;
          }
          Json hunk = hunk_at(cursor);
          hunk["copy"] = *source;
          edits.push_back(std::move(hunk));
          open_copy = &edits.back();
          continue;
        }
        open_copy = nullptr;
        if (cursor < region_end) {
          open_insert = nullptr;
          Json hunk = hunk_at(cursor);
          hunk["patch"] = nested_value(a[cursor], element).value_or(Json::object());
          edits.push_back(std::move(hunk));
          ++cursor;
          continue;
        }
        if (open_insert == nullptr) {
          Json hunk = hunk_at(cursor);
          hunk["ins"] = Json::array();
          edits.push_back(std::move(hunk));
          open_insert = &edits.back();
        }
        (*open_insert)["ins"].push_back(element);
      }
      if (cursor < region_end) {
        Json hunk = hunk_at(cursor);
        hunk["del"] = region_end - cursor;
        edits.push_back(std::move(hunk));
      }
    }
  }

  const DiffOptions& options_;
  Measure* measure_;
  int depth_ = 0;
};

Json root_delta(Differ& differ, const Json& from, const Json& to) {
  Json delta = Json::object();
  delta["v"] = kDeltaFormatVersion;
  if (auto patch = differ.value(from, to)) {
    for (auto it = patch->begin(); it != patch->end(); ++it) delta[it.key()] = std::move(it.value());
  }
  return delta;
}

}  // namespace

Json diff(const Json& from, const Json& to, const DiffOptions& options) {
  Differ differ(options, nullptr);
  return root_delta(differ, from, to);
}

namespace detail {

MeasuredDiff diff_measured(const Json& from, std::size_t from_bytes, const Json& to,
                           const DiffOptions& options, const ValueLimits& limits,
                           DeltaSizeLimit limit) {
  Measure measure;
  measure.max_depth = limits.max_depth;
  measure.from_bytes = as_signed(from_bytes);
  measure.limit = limit;
  Differ differ(options, &measure);
  MeasuredDiff out;
  out.delta = root_delta(differ, from, to);
  out.to_valid = measure.valid;
  out.too_large = measure.too_large;
  if (out.to_valid && !out.too_large) out.to_bytes = static_cast<std::size_t>(as_signed(from_bytes) + measure.size_change);
  return out;
}

}  // namespace detail

bool is_noop_delta(const Json& delta) noexcept {
  return delta.is_object() && delta.size() == 1 && delta.contains("v");
}

}  // namespace deltackpt
