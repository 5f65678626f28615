// The fingerprint of states: see state_figures.hpp.
#include "state_figures.hpp"

#include <cstring>

namespace deltackpt::detail {
namespace {

using Type = Json::value_t;

// One kind tag per term, so terms of different kinds never cancel out.
enum Tag : std::uint32_t {
  kNull = 1, kTrue, kFalse, kInteger, kNegativeInteger, kFloat, kString, kKey, kArray, kObject,
};

// One multiply-xorshift round over the payload, the kind and the depth:
// enough to keep the terms of different values from cancelling out in the
// sum, and cheap, as a save computes one per value of the state.
std::uint64_t term(Tag tag, int depth, std::uint64_t payload) noexcept {
  constexpr std::uint64_t kPayload = 0x9E3779B97F4A7C15ULL;
  constexpr std::uint64_t kPlace = 0xC2B2AE3D27D4EB4FULL;
  const std::uint64_t place = (std::uint64_t{tag} << 16) | static_cast<std::uint32_t>(depth);
  std::uint64_t x = payload * kPayload + place * kPlace;
  x ^= x >> 29;
  x *= 0xBF58476D1CE4E5B9ULL;
  return x ^ (x >> 32);
}

std::uint64_t text_term(Tag tag, const std::string& s, int depth) noexcept {
  const std::size_t n = s.size();
  std::uint64_t head = 0, tail = 0;
  if (n >= 8) {
    std::memcpy(&head, s.data(), 8);
    std::memcpy(&tail, s.data() + n - 8, 8);
  } else {
    for (std::size_t i = 0; i < n; ++i) head = (head << 8) | static_cast<unsigned char>(s[i]);
  }
  return term(tag, depth, (head * 0x94D049BB133111EBULL) ^ (tail + n * 0xD6E8FEB86659FD93ULL));
}

}  // namespace

std::uint64_t string_term(const std::string& s, int depth) noexcept { return text_term(kString, s, depth); }
std::uint64_t array_frame_term(std::size_t size, int depth) noexcept { return term(kArray, depth, size); }
std::uint64_t object_frame_term(std::size_t size, int depth) noexcept { return term(kObject, depth, size); }

std::uint64_t fingerprint(const Json& v, int depth) noexcept {
  switch (v.type()) {
    case Type::null: return term(kNull, depth, 0);
    case Type::boolean: return term(*v.get_ptr<const Json::boolean_t*>() ? kTrue : kFalse, depth, 0);
    // Read by exact kind: get_ptr<number_integer_t*> also answers for unsigned.
    case Type::number_integer: {
      const std::int64_t i = *v.get_ptr<const Json::number_integer_t*>();
      return term(i < 0 ? kNegativeInteger : kInteger, depth, static_cast<std::uint64_t>(i));
    }
    case Type::number_unsigned: return term(kInteger, depth, *v.get_ptr<const Json::number_unsigned_t*>());
    case Type::number_float: {
      const double d = *v.get_ptr<const Json::number_float_t*>();
      std::uint64_t bits;
      std::memcpy(&bits, &d, sizeof bits);
      return term(kFloat, depth, bits);
    }
    case Type::string: return string_term(*v.get_ptr<const Json::string_t*>(), depth);
    case Type::array: {
      std::uint64_t sum = array_frame_term(v.size(), depth);
      for (const Json& e : *v.get_ptr<const Json::array_t*>()) sum += fingerprint(e, depth + 1);
      return sum;
    }
    case Type::object: {
      std::uint64_t sum = object_frame_term(v.size(), depth);
      for (const auto& [key, value] : *v.get_ptr<const Json::object_t*>()) {
        sum += member_fingerprint(key, value, depth + 1);
      }
      return sum;
    }
    default: return term(kNull, depth, 0xBAD);  // never stored: validate_value refuses them
  }
}

std::uint64_t member_fingerprint(const std::string& key, const Json& value, int depth) noexcept {
  return text_term(kKey, key, depth) + fingerprint(value, depth);
}

}  // namespace deltackpt::detail
