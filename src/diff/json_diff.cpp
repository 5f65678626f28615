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

class Differ {
 public:
  explicit Differ(const DiffOptions& options) : options_(options) {}

  // A patch node turning `a` into `b`; std::nullopt when they are the same.
  std::optional<Json> value(const Json& a, const Json& b) {
    const Type ta = a.type();
    std::optional<Json> patch;
    if (ta == b.type() && ta == Type::object) {
      patch = object(a, b);
    } else if (ta == b.type() && ta == Type::array) {
      patch = array(a, b);
    } else if (ta == b.type() && ta == Type::string) {
      const auto& sa = a.get_ref<const std::string&>();
      const auto& sb = b.get_ref<const std::string&>();
      if (sa == sb) return std::nullopt;
      return detail::diff_string(sa, sb, options_);
    } else {
      if (same_value(a, b)) return std::nullopt;
      return set_node(b);
    }
    if (!patch) return std::nullopt;
    // Keep the nested patch only when it is smaller than the new value.
    const std::size_t patch_bytes = serialized_size(*patch);
    if (detail::serialized_size_capped(b, patch_bytes) <= patch_bytes) return set_node(b);
    return patch;
  }

 private:
  std::optional<Json> object(const Json& a, const Json& b) {
    if (auto walked = object_in_step(a, b)) return walked->empty() ? std::nullopt : std::optional<Json>(*walked);
    return object_indexed(a, b);
  }

  // The common case without building an index: both objects list their
  // surviving keys in the same order, a few keys are dropped (found within a
  // short look-ahead) and new keys come last. Returns nullopt when that does
  // not hold, and an empty object when nothing changed.
  std::optional<Json> object_in_step(const Json& a, const Json& b) {
    constexpr std::size_t kLookAhead = 16;
    Json keys = Json::object();
    Json drop = Json::array();
    auto ia = a.begin();
    auto ib = b.begin();
    for (; ib != b.end(); ++ib) {
      if (ia == a.end()) {  // a is used up: everything left in b is new
        keys[ib.key()] = set_node(ib.value());
        continue;
      }
      if (ia.key() != ib.key()) {
        // Keys of `a` before this one of `b` were dropped, if it is close.
        auto probe = ia;
        std::size_t distance = 0;
        while (probe != a.end() && distance < kLookAhead && probe.key() != ib.key()) {
          ++probe;
          ++distance;
        }
        if (probe == a.end() || probe.key() != ib.key()) return std::nullopt;
        for (; ia != probe; ++ia) drop.push_back(ia.key());
      }
      if (auto patch = value(ia.value(), ib.value())) keys[ib.key()] = std::move(*patch);
      ++ia;
    }
    for (; ia != a.end(); ++ia) drop.push_back(ia.key());
    Json node = Json::object();
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
    std::vector<bool> kept(a.size(), false);
    Json keys = Json::object();
    std::size_t last_position = 0;
    bool seen_new_key = false;
    bool first = true;
    for (auto it = b.begin(); it != b.end(); ++it) {
      const auto position = find(it.key());
      if (!position) {
        seen_new_key = true;
        keys[it.key()] = set_node(it.value());
        continue;
      }
      if (seen_new_key || (!first && *position < last_position)) return set_node(b);
      first = false;
      last_position = *position;
      kept[*position] = true;
      if (auto patch = value(*a_values[*position], it.value())) keys[it.key()] = std::move(*patch);
    }
    Json drop = Json::array();
    for (std::size_t i = 0; i < kept.size(); ++i) {
      if (!kept[i]) drop.push_back(*a_keys[i]);
    }
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

    if (a_mid == 0 || b_mid == 0 || a_mid + b_mid > options_.sequence_diff_limit) {
      // Pure insert (append is the common case), pure delete (truncate), or
      // a middle too long to search: one replacement hunk.
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
      Json hunk = hunk_at(prefix);
      hunk["patch"] = *value(a[prefix], b[prefix]);
      edits.push_back(std::move(hunk));
    } else if (mostly_unrelated(a, b, prefix, a_mid, b_mid)) {
      // A list replaced by a different one (a fresh query result, say): an
      // edit script would pair unrelated elements and diff them for nothing.
      Json del = hunk_at(prefix);
      del["del"] = a_mid;
      edits.push_back(std::move(del));
      Json ins = hunk_at(prefix + a_mid);
      ins["ins"] = Json(b.begin() + static_cast<std::ptrdiff_t>(prefix),
                        b.begin() + static_cast<std::ptrdiff_t>(prefix + b_mid));
      edits.push_back(std::move(ins));
    } else {
      middle_edits(a, b, prefix, a_mid, b_mid, edits);
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
      const auto patch = value(a[prefix + k], b[prefix + k]);
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
          hunk["patch"] = *value(a[cursor], element);
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
};

}  // namespace

Json diff(const Json& from, const Json& to, const DiffOptions& options) {
  Json delta = Json::object();
  delta["v"] = kDeltaFormatVersion;
  Differ differ(options);
  if (auto patch = differ.value(from, to)) {
    for (auto it = patch->begin(); it != patch->end(); ++it) delta[it.key()] = std::move(it.value());
  }
  return delta;
}

bool is_noop_delta(const Json& delta) noexcept {
  return delta.is_object() && delta.size() == 1 && delta.contains("v");
}

}  // namespace deltackpt
