#include "diff/caller_delta.hpp"

#include <algorithm>

#include "deltackpt/errors.hpp"
#include "diff/measured_diff.hpp"

namespace deltackpt::detail {
namespace {

class DeltaValueCheck {
 public:
  DeltaValueCheck(const ValueLimits& limits, const std::string& what) : max_depth_(limits.max_depth), what_(what) {}

  // `node` patches the value `depth` levels into the state, at `path`.
  void node(const Json& node, int depth, const std::string& path) {
    if (!node.is_object()) return;
    if (const auto set = node.find("set"); set != node.end()) value(*set, depth, path);
    if (const auto keys = node.find("keys"); keys != node.end() && keys->is_object()) {
      for (const auto& [key, patch] : keys->items()) {
        if (valid_utf8_prefix(key) != key.size()) {
          throw InvalidArgument(what_ + ": the delta adds a key at \"" + path + "\" that is not valid UTF-8");
        }
        this->node(patch, depth + 1, path + "/" + key);
      }
    }
    if (const auto edits = node.find("edits"); edits != node.end() && edits->is_array()) {
      for (const auto& hunk : *edits) {
        if (!hunk.is_object()) continue;
        const std::string at = path + "/" + (hunk.contains("at") ? hunk["at"].dump() : std::string("?"));
        if (const auto ins = hunk.find("ins"); ins != hunk.end() && ins->is_array()) {
          for (const auto& element : *ins) value(element, depth + 1, at);
        }
        if (const auto patch = hunk.find("patch"); patch != hunk.end()) this->node(*patch, depth + 1, at);
      }
    }
    if (const auto text = node.find("text"); text != node.end() && text->is_array()) {
      for (const auto& hunk : *text) {
        const auto ins = hunk.is_object() ? hunk.find("ins") : hunk.end();
        if (ins != hunk.end() && ins->is_string()) {
          const auto& s = ins->get_ref<const std::string&>();
          if (valid_utf8_prefix(s) != s.size()) {
            throw InvalidArgument(what_ + ": the delta inserts text at \"" + path + "\" that is not valid UTF-8");
          }
        }
      }
    }
  }

 private:
  void value(const Json& v, int depth, const std::string& path) {
    validate_value(v, ValueLimits{max_depth_ - depth}, what_ + ": the value the delta puts at \"" + path + "\"");
  }

  int max_depth_;
  const std::string& what_;
};

// Replaces, inside patch node `node` for `target`, each `set` of an object
// or array that replaces one by diff()'s patch where that is smaller (see
// smallest_delta). `versioned`: the root, whose "v" member is not an op.
void minimize(const Json& target, Json& node, const DiffOptions& options, const ValueLimits& limits,
              bool versioned = false) {
  if (!node.is_object()) return;
  if (const auto set = node.find("set"); set != node.end() && node.size() == (versioned ? 2U : 1U)) {
    const Json& value = *set;
    const bool containers = (target.is_object() && value.is_object()) || (target.is_array() && value.is_array());
    if (!containers) return;
    // The diff gives up as soon as its patch is sure to outgrow the value
    // (a replaced value costs no more than the set).
    auto measured = diff_measured(target, serialized_size(target), value, options, limits, {1.0, 0});
    if (measured.too_large || !measured.to_valid) return;
    if (!versioned) measured.delta.erase("v");
    if (measured.delta.dump().size() < node.dump().size()) node = std::move(measured.delta);
    return;
  }
  const auto keys = node.find("keys");
  if (keys == node.end() || !keys->is_object() || !target.is_object()) return;
  const auto drop = node.find("drop");
  const auto dropped = [&](const std::string& key) {
    return drop != node.end() && drop->is_array() && std::find(drop->begin(), drop->end(), key) != drop->end();
  };
  for (auto& [key, patch] : keys->items()) {
    // A key dropped and set again is added afresh: nothing to diff against.
    const auto old = target.find(key);
    if (old != target.end() && !dropped(key)) minimize(*old, patch, options, limits);
  }
}

}  // namespace

Json smallest_delta(const Json& base, const Json& delta, const DiffOptions& options, const ValueLimits& limits) {
  Json out = delta;
  if (out.is_object() && out.contains("v")) minimize(base, out, options, limits, /*versioned=*/true);
  return out;  // a malformed delta as it is: the applier says what is wrong
}

void validate_delta_values(const Json& delta, const ValueLimits& limits, const std::string& what) {
  DeltaValueCheck(limits, what).node(delta, 0, "");
}

}  // namespace deltackpt::detail
