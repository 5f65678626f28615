// The only file that includes dtl: keeps its templates out of every other file.
#include "edit_script.hpp"

#include <dtl/dtl.hpp>

namespace deltackpt::detail {
namespace {

struct Item {
  std::uint64_t key;
  std::uint32_t index;
  // Only dtl's default comparator uses this; ItemCompare below replaces it.
  bool operator==(const Item& other) const noexcept { return key == other.key; }
};

class ItemCompare : public dtl::Compare<Item> {
 public:
  ItemCompare() = default;
  explicit ItemCompare(const std::function<bool(std::size_t, std::size_t)>* confirm)
      : confirm_(confirm) {}
  // dtl passes elements of the original first sequence first, even when it
  // swapped the sequences internally.
  bool impl(const Item& a, const Item& b) const override {
    if (a.key != b.key) return false;
    return confirm_ == nullptr || !*confirm_ || (*confirm_)(a.index, b.index);
  }

 private:
  const std::function<bool(std::size_t, std::size_t)>* confirm_ = nullptr;
};

std::vector<Item> items(const std::vector<std::uint64_t>& keys) {
  std::vector<Item> out(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    out[i] = Item{keys[i], static_cast<std::uint32_t>(i)};
  }
  return out;
}

}  // namespace

std::vector<EditRegion> edit_regions(
    const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b,
    const std::function<bool(std::size_t, std::size_t)>& confirm) {
  std::vector<EditRegion> regions;
  if (a.empty() && b.empty()) return regions;
  if (a.empty() || b.empty()) {
    regions.push_back({0, a.size(), 0, b.size()});
    return regions;
  }
  dtl::Diff<Item, std::vector<Item>, ItemCompare> differ(items(a), items(b),
                                                         ItemCompare(&confirm));
  differ.compose();
  // Walk the script, tracking positions in both sequences; every run of
  // non-common entries becomes one region.
  std::size_t ia = 0, ib = 0;
  bool open = false;
  EditRegion current{};
  for (const auto& [item, info] : differ.getSes().getSequence()) {
    (void)item;
    if (info.type == dtl::SES_COMMON) {
      if (open) {
        current.a_end = ia;
        current.b_end = ib;
        regions.push_back(current);
        open = false;
      }
      ++ia;
      ++ib;
      continue;
    }
    if (!open) {
      current = EditRegion{ia, ia, ib, ib};
      open = true;
    }
    if (info.type == dtl::SES_DELETE) {
      ++ia;
    } else {
      ++ib;
    }
  }
  if (open) {
    current.a_end = ia;
    current.b_end = ib;
    regions.push_back(current);
  }
  return regions;
}

}  // namespace deltackpt::detail
