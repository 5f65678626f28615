// apply_delta(): replays delta documents, validating everything it reads.
#include <string>
#include <utility>
#include <vector>

#include "deltackpt/diff.hpp"
#include "deltackpt/errors.hpp"
#include "json_internal.hpp"
#include "state_figures.hpp"

namespace deltackpt {
namespace {

using Type = Json::value_t;
using Members = detail::JsonMembers;

class Applier {
 public:
  // With `figures`, keeps them those of the target as it changes.
  explicit Applier(detail::StateFigures* figures = nullptr) : figures_(figures) {}

  // The root node of a delta also carries the format version "v".
  void node(Json& target, const Json& patch, bool root = false) {
    if (!patch.is_object()) fail("a patch node is not an object");
    root_ = root;
    if (const auto it = patch.find("set"); it != patch.end()) {
      only(patch, {"set"});
      if (figures_ != nullptr) {
        removed(target);
        added(*it);
      }
      target = *it;
      return;
    }
    if (patch.contains("keys") || patch.contains("drop")) {
      only(patch, {"keys", "drop"});
      object(target, patch);
      return;
    }
    if (const auto it = patch.find("edits"); it != patch.end()) {
      only(patch, {"edits"});
      array(target, *it);
      return;
    }
    if (const auto it = patch.find("text"); it != patch.end()) {
      only(patch, {"text"});
      text(target, *it);
      return;
    }
    for (auto it = patch.begin(); it != patch.end(); ++it) {
      if (!(root && it.key() == "v")) fail("unknown operation \"" + it.key() + "\"");
    }
  }

  [[noreturn]] void fail(const std::string& why) const {
    throw Corruption("delta does not fit its base at \"" + path_ + "\": " + why);
  }

 private:
  void only(const Json& patch, std::initializer_list<const char*> allowed) {
    const bool root = root_;
    root_ = false;
    for (auto it = patch.begin(); it != patch.end(); ++it) {
      bool ok = root && it.key() == "v";
      for (const char* name : allowed) ok = ok || it.key() == name;
      if (!ok) fail("unexpected member \"" + it.key() + "\" in a patch node");
    }
  }

  static std::size_t index(const Json& hunk, const char* name, std::size_t fallback,
                           const Applier& self) {
    const auto it = hunk.find(name);
    if (it == hunk.end()) return fallback;
    if (it->is_number_integer()) {
      const detail::ExactInteger value = detail::exact_integer(*it);
      if (!value.negative) return value.bits;
    }
    self.fail(std::string("\"") + name + "\" is not a non-negative integer");
  }

  void object(Json& target, const Json& patch) {
    if (!target.is_object()) fail("object patch on a " + std::string(target.type_name()));
    auto& members = detail::members_of(target);
    const Frame frame(*this, target);
    const detail::DeeperLevel deeper(depth_);  // members are one level down
    if (const auto drop = patch.find("drop"); drop != patch.end()) drop_members(members, *drop);
    const auto keys = patch.find("keys");
    if (keys == patch.end()) return;
    if (!keys->is_object()) fail("\"keys\" is not an object");
    // diff() lists keys in the base's order, so each search starts where the
    // last one ended: a few patched keys of a large object cost one pass.
    std::size_t cursor = 0;
    for (auto it = keys->begin(); it != keys->end(); ++it) {
      const std::size_t mark = path_.size();
      detail::append_pointer_token(path_, it.key());
      const std::size_t at = find_member(members, it.key(), cursor);
      if (at == members.size()) {
        // A key the base lacks can only be added whole.
        const auto set = it->find("set");
        if (!it->is_object() || it->size() != 1 || set == it->end()) {
          fail("patch for a key the base does not have");
        }
        if (figures_ != nullptr) added_member(it.key(), *set);
        members.emplace_back(it.key(), *set);
        cursor = members.size();
      } else {
        node(members[at].second, *it);
        cursor = at + 1;
      }
      path_.resize(mark);
    }
  }

  // Index of `key` in `members`, searching from `hint` on and then from the
  // start; members.size() when absent.
  static std::size_t find_member(const Members& members, const std::string& key,
                                 std::size_t hint) {
    const std::size_t n = members.size();
    for (std::size_t i = std::min(hint, n); i < n; ++i) {
      if (members[i].first == key) return i;
    }
    for (std::size_t i = 0; i < std::min(hint, n); ++i) {
      if (members[i].first == key) return i;
    }
    return n;
  }

  // Removes every key of `drop` in one pass: members hold const keys, so
  // each erase would otherwise copy every key after it.
  void drop_members(Members& members, const Json& drop) {
    if (!drop.is_array()) fail("\"drop\" is not an array");
    std::vector<bool> dropped(members.size(), false);
    std::size_t first = members.size();
    std::size_t cursor = 0;
    for (const auto& key : drop) {
      if (!key.is_string()) fail("\"drop\" holds a non-string key");
      const std::size_t at = find_member(members, key.get_ref<const std::string&>(), cursor);
      if (at == members.size() || dropped[at]) {
        fail("dropped key \"" + key.get<std::string>() + "\" is not in the base");
      }
      dropped[at] = true;
      if (figures_ != nullptr) removed_member(members[at].first, members[at].second);
      first = std::min(first, at);
      cursor = at + 1;
    }
    using Member = Members::value_type;
    std::size_t kept = first;
    for (std::size_t i = first; i < members.size(); ++i) {
      if (dropped[i]) continue;
      // A pair with a const key cannot be assigned to: rebuild it in place,
      // as ordered_map::erase does.
      Member& slot = members[kept];
      slot.~Member();
      new (&slot) Member(members[i].first, std::move(members[i].second));
      ++kept;
    }
    while (members.size() > kept) members.pop_back();
  }

  void array(Json& target, const Json& edits) {
    if (!target.is_array()) fail("array edits on a " + std::string(target.type_name()));
    if (!edits.is_array()) fail("\"edits\" is not an array");
    const std::size_t n = target.size();
    const Frame frame(*this, target);
    const detail::DeeperLevel deeper(depth_);  // members are one level down
    // Fast path: one append.
    if (edits.size() == 1 && edits[0].is_object() && edits[0].size() == 2 &&
        edits[0].contains("ins") && index(edits[0], "at", 0, *this) == n) {
      const Json& ins = edits[0]["ins"];
      if (!ins.is_array()) fail("\"ins\" is not an array");
      for (const auto& e : ins) {
        if (figures_ != nullptr) added(e);
        target.push_back(e);
      }
      return;
    }
    // Copies refer to the old array, whose elements are moved out below, so
    // take them first.
    std::vector<std::pair<std::size_t, Json>> copies;
    for (const auto& hunk : edits) {
      if (!hunk.is_object()) fail("an edit is not an object");
      if (!hunk.contains("copy")) continue;
      const std::size_t from = index(hunk, "copy", 0, *this);
      const std::size_t count = index(hunk, "n", 1, *this);
      if (from > n || count > n - from) fail("copy of elements beyond the array's end");
      copies.emplace_back(from, Json(target.begin() + static_cast<std::ptrdiff_t>(from),
                                     target.begin() + static_cast<std::ptrdiff_t>(from + count)));
    }
    std::vector<Json>& old = target.get_ref<Json::array_t&>();
    std::vector<Json> out;
    out.reserve(n);
    std::size_t cursor = 0;
    std::size_t next_copy = 0;
    for (std::size_t h = 0; h < edits.size(); ++h) {
      const Json& hunk = edits[h];
      const std::size_t at = index(hunk, "at", SIZE_MAX, *this);
      if (at == SIZE_MAX) fail("an edit has no \"at\"");
      if (at < cursor || at > n) {
        fail("edit at " + std::to_string(at) + " is out of order or beyond length " +
             std::to_string(n));
      }
      for (; cursor < at; ++cursor) out.push_back(std::move(old[cursor]));
      const std::size_t mark = path_.size();
      if (const auto ins = hunk.find("ins"); ins != hunk.end()) {
        expect_members(hunk, 2);
        if (!ins->is_array()) fail("\"ins\" is not an array");
        for (const auto& e : *ins) {
          if (figures_ != nullptr) added(e);
          out.push_back(e);
        }
      } else if (hunk.contains("copy")) {
        expect_members(hunk, hunk.contains("n") ? 3 : 2);
        for (auto& e : copies[next_copy++].second) {
          if (figures_ != nullptr) added(e);
          out.push_back(std::move(e));
        }
      } else if (hunk.contains("del")) {
        expect_members(hunk, 2);
        const std::size_t count = index(hunk, "del", 0, *this);
        if (count > n - cursor) fail("delete of elements beyond the array's end");
        if (figures_ != nullptr) {
          for (std::size_t i = cursor; i < cursor + count; ++i) removed(old[i]);
        }
        cursor += count;
      } else if (const auto patch = hunk.find("patch"); patch != hunk.end()) {
        expect_members(hunk, 2);
        if (cursor >= n) fail("patch of an element beyond the array's end");
        path_ += '/';
        path_ += std::to_string(cursor);
        out.push_back(std::move(old[cursor++]));
        node(out.back(), *patch);
      } else {
        fail("an edit has no operation");
      }
      path_.resize(mark);
    }
    for (; cursor < n; ++cursor) out.push_back(std::move(old[cursor]));
    old = std::move(out);
  }

  void text(Json& target, const Json& hunks) {
    if (!target.is_string()) fail("text edits on a " + std::string(target.type_name()));
    if (!hunks.is_array()) fail("\"text\" is not an array");
    const std::string& old = target.get_ref<const std::string&>();
    const std::size_t n = old.size();
    auto boundary = [&](std::size_t pos) {
      return pos == n || (pos < n && !detail::is_utf8_continuation(old[pos]));
    };
    std::string out;
    out.reserve(n + 64);
    std::size_t cursor = 0;
    for (const auto& hunk : hunks) {
      if (!hunk.is_object()) fail("a text edit is not an object");
      const std::size_t at = index(hunk, "at", SIZE_MAX, *this);
      const std::size_t del = index(hunk, "del", 0, *this);
      std::size_t members = 1 + (hunk.contains("del") ? 1 : 0);
      if (at == SIZE_MAX) fail("a text edit has no \"at\"");
      if (at < cursor || at > n || del > n - at) {
        fail("text edit at byte " + std::to_string(at) + " is out of order or beyond length " +
             std::to_string(n));
      }
      if (!boundary(at) || !boundary(at + del)) fail("text edit splits a UTF-8 character");
      out.append(old, cursor, at - cursor);
      // JSON escapes each character on its own, so the quoted size changes
      // by what is inserted and deleted alone.
      if (figures_ != nullptr && del > 0) {
        figures_->bytes -= static_cast<std::int64_t>(detail::quoted_size({old.data() + at, del})) - 2;
      }
      if (const auto ins = hunk.find("ins"); ins != hunk.end()) {
        if (!ins->is_string()) fail("\"ins\" is not a string");
        const auto& inserted = ins->get_ref<const std::string&>();
        if (figures_ != nullptr) {
          figures_->bytes += static_cast<std::int64_t>(detail::quoted_size(inserted)) - 2;
        }
        out += inserted;
        ++members;
      }
      if (hunk.size() != members) fail("unexpected member in a text edit");
      cursor = at + del;
    }
    out.append(old, cursor, n - cursor);
    if (figures_ != nullptr) {
      figures_->fingerprint += detail::string_term(out, depth_) - detail::string_term(old, depth_);
    }
    target = std::move(out);
  }

  void expect_members(const Json& hunk, std::size_t count) const {
    if (hunk.size() != count) fail("an edit mixes operations or has unexpected members");
  }

  // What the figures lose and gain with a value at the current depth.
  void removed(const Json& v) {
    figures_->bytes -= static_cast<std::int64_t>(serialized_size(v));
    figures_->fingerprint -= detail::fingerprint(v, depth_);
  }
  void added(const Json& v) {
    figures_->bytes += static_cast<std::int64_t>(serialized_size(v));
    figures_->fingerprint += detail::fingerprint(v, depth_);
  }
  void removed_member(const std::string& key, const Json& v) {
    figures_->bytes -= static_cast<std::int64_t>(detail::quoted_size(key) + serialized_size(v));
    figures_->fingerprint -= detail::member_fingerprint(key, v, depth_);
  }
  void added_member(const std::string& key, const Json& v) {
    figures_->bytes += static_cast<std::int64_t>(detail::quoted_size(key) + serialized_size(v));
    figures_->fingerprint += detail::member_fingerprint(key, v, depth_);
  }

  // An array's or object's frame (brackets, commas, its count) before and
  // after the edits of its members. (After a failed apply the figures mean
  // nothing, and nobody reads them.)
  class Frame {
   public:
    Frame(Applier& applier, const Json& container)
        : applier_(applier), container_(container), size_before_(container.size()) {}
    ~Frame() {
      detail::StateFigures* figures = applier_.figures_;
      if (figures == nullptr) return;
      const std::size_t after = container_.size();
      const int depth = applier_.depth_;
      if (container_.is_array()) {
        figures->bytes += detail::array_frame_bytes(after) - detail::array_frame_bytes(size_before_);
        figures->fingerprint += detail::array_frame_term(after, depth) -
                                detail::array_frame_term(size_before_, depth);
      } else {
        figures->bytes += detail::object_frame_bytes(after) - detail::object_frame_bytes(size_before_);
        figures->fingerprint += detail::object_frame_term(after, depth) -
                                detail::object_frame_term(size_before_, depth);
      }
    }
    Frame(const Frame&) = delete;
    Frame& operator=(const Frame&) = delete;

   private:
    Applier& applier_;
    const Json& container_;
    std::size_t size_before_;
  };

  detail::StateFigures* figures_;
  int depth_ = 0;
  std::string path_;
  bool root_ = false;
};

void check_delta_version(const Json& delta) {
  if (!delta.is_object()) throw Corruption("delta is not a JSON object");
  const auto version = delta.find("v");
  if (version == delta.end() || !version->is_number_integer()) {
    throw Corruption("delta has no format version \"v\"");
  }
  const detail::ExactInteger v = detail::exact_integer(*version);
  if (v.negative || v.bits < 1 || v.bits > static_cast<std::uint64_t>(kDeltaFormatVersion)) {
    throw Corruption("delta format version " + version->dump() +
                     " is not one this build reads (newest: " +
                     std::to_string(kDeltaFormatVersion) + ")");
  }
}

}  // namespace

void apply_delta_in_place(Json& target, const Json& delta) {
  check_delta_version(delta);
  Applier().node(target, delta, /*root=*/true);
}

namespace detail {
void apply_delta_with_figures(Json& target, const Json& delta, StateFigures& figures) {
  check_delta_version(delta);
  Applier(&figures).node(target, delta, /*root=*/true);
}

bool delta_rebuilds(Json& state, StateFigures figures, const Json& delta, StateFigures wanted) {
  try {
    apply_delta_with_figures(state, delta, figures);
  } catch (const Error&) {
    return false;  // it does not even fit
  } catch (const Json::exception&) {
    return false;
  }
  return figures == wanted;
}
}  // namespace detail

Json apply_delta(const Json& base, const Json& delta) {
  Json result = base;
  apply_delta_in_place(result, delta);
  return result;
}

}  // namespace deltackpt
