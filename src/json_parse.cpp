// parse_exact: JSON text to a Json, refusing what nlohmann would change
// silently (an integer beyond 64 bits becomes a float, a repeated key keeps
// its last value) and nesting beyond the limit, before building it.
#include <memory>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "deltackpt/errors.hpp"
#include "deltackpt/json.hpp"
#include "json_internal.hpp"

namespace deltackpt {
namespace {

// Objects with more members than this keep a set of their keys, so finding
// a repeated key stays O(1) in large maps; smaller ones are scanned.
constexpr std::size_t kKeySetAbove = 16;

// Builds the value from nlohmann's SAX events; each check happens where the
// parser still has the original text.
class ExactBuilder final : public nlohmann::json_sax<Json> {
 public:
  explicit ExactBuilder(int max_depth) : max_depth_(max_depth) {}

  Json take() { return std::move(root_); }

  bool null() override { return put(Json(nullptr)); }
  bool boolean(bool v) override { return put(Json(v)); }
  bool number_integer(number_integer_t v) override { return put(Json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return put(Json(v)); }
  bool number_float(number_float_t v, const string_t& text) override {
    // nlohmann reads an integer too long for 64 bits as a double: the
    // store's exact round trip would silently end here.
    if (text.find_first_of(".eE") == string_t::npos) {
      refuse("integer " + text + " does not fit in 64 bits (it would be stored as the float " + Json(v).dump() +
             ")");
    }
    return put(Json(v));
  }
  bool string(string_t& v) override { return put(Json(std::move(v))); }
  bool binary(binary_t&) override { return refuse("binary values are not JSON"); }

  bool start_object(std::size_t) override { return open(Json::object()); }
  bool start_array(std::size_t) override { return open(Json::array()); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }

  bool key(string_t& k) override {
    Frame& top = frames_.back();
    const auto& members = detail::members_of(*top.container);
    bool repeated = false;
    if (top.keys) {
      repeated = !top.keys->insert(k).second;
    } else {
      for (const auto& member : members) repeated = repeated || member.first == k;
      if (!repeated && members.size() + 1 > kKeySetAbove) {
        top.keys = std::make_unique<std::unordered_set<std::string>>();
        for (const auto& member : members) top.keys->insert(member.first);
        top.keys->insert(k);
      }
    }
    pending_key_ = std::move(k);
    if (repeated) refuse("key \"" + pending_key_ + "\" appears twice in one object (only one value could be kept)");
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    // nlohmann's words (they give the line, column and text) without its
    // "[json.exception.parse_error.101]" code.
    std::string why = e.what();
    if (const std::size_t end = why.find("] "); why.rfind("[json.exception.", 0) == 0 && end != std::string::npos) {
      why.erase(0, end + 2);
    }
    throw InvalidArgument("not valid JSON: " + why);
  }

 private:
  struct Frame {
    Json* container;
    std::unique_ptr<std::unordered_set<std::string>> keys;  // objects over kKeySetAbove members
  };

  // Adds `v` where the parser is; returns where it went.
  Json* place(Json&& v) {
    if (frames_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    Json& top = *frames_.back().container;
    if (top.is_array()) {
      auto& elements = top.get_ref<Json::array_t&>();
      elements.push_back(std::move(v));
      return &elements.back();
    }
    auto& members = detail::members_of(top);
    members.emplace_back(std::move(pending_key_), std::move(v));
    return &members.back().second;
  }
  bool put(Json&& v) {
    place(std::move(v));
    return true;
  }
  // A container's parent never grows while it is open, so the pointer kept
  // in its frame stays valid until it closes.
  bool open(Json&& container) {
    if (static_cast<int>(frames_.size()) >= max_depth_) {
      refuse("nesting is deeper than " + std::to_string(max_depth_) + " levels");
    }
    Json* placed = place(std::move(container));
    frames_.push_back(Frame{placed, nullptr});
    return true;
  }
  bool close() {
    frames_.pop_back();
    return true;
  }

  // Where the parser is, as a JSON pointer (long ones shortened).
  std::string path() const {
    std::string pointer;
    for (std::size_t i = 0; i < frames_.size(); ++i) {
      const Json& c = *frames_[i].container;
      const bool innermost = i + 1 == frames_.size();
      if (c.is_array()) {
        // An open child was placed already; the next element is not yet.
        pointer += "/" + std::to_string(innermost ? c.size() : c.size() - 1);
      } else if (innermost) {
        detail::append_pointer_token(pointer, pending_key_);
      } else {
        detail::append_pointer_token(pointer, detail::members_of(c).back().first);
      }
    }
    constexpr std::size_t kShown = 60;
    if (pointer.size() > kShown) pointer = pointer.substr(0, kShown / 2) + "..." + pointer.substr(pointer.size() - kShown / 2);
    return pointer;
  }

  [[noreturn]] bool refuse(const std::string& why) const {
    throw InvalidArgument("at \"" + path() + "\": " + why);
  }

  const int max_depth_;
  Json root_;
  std::vector<Frame> frames_;
  std::string pending_key_;
};

}  // namespace

Json parse_exact(std::string_view text, int max_depth) {
  // nlohmann stops at a NUL byte as at the end of the text, so whatever
  // follows would be dropped without a word. In JSON a NUL is only ever
  // written escaped, as \u0000.
  if (const std::size_t nul = text.find('\0'); nul != std::string_view::npos) {
    throw InvalidArgument("not valid JSON: a NUL byte at byte " + std::to_string(nul) +
                          " (JSON text writes it as \\u0000 inside a string)");
  }
  ExactBuilder builder(max_depth);
  Json::sax_parse(text, &builder, Json::input_format_t::json, /*strict=*/true, /*ignore_comments=*/false);
  return builder.take();
}

}  // namespace deltackpt
