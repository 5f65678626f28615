// deltackpt-workload: prints a workload as JSONL, one full state per line, or its size stats.
#include <charconv>
#include <chrono>
#include <cstdint>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "workloads.hpp"

namespace {

namespace wl = deltackpt::workloads;

constexpr std::string_view kUsage =
    "usage: deltackpt-workload --list\n"
    "       deltackpt-workload NAME [--steps N] [--seed S] [--stats]\n";

int usage_error(std::string_view message) {
  std::cerr << "deltackpt-workload: " << message << "\n" << kUsage;
  return 2;
}

// Whole-string parse; rejects signs on unsigned types, junk and overflow.
template <typename T>
bool parse_number(std::string_view text, T& out) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end;
}

const wl::WorkloadInfo* find_workload(std::string_view name) {
  for (const auto* list : {&wl::all(), &wl::test_workloads()}) {
    for (const auto& info : *list) {
      if (info.name == name) return &info;
    }
  }
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  bool list = false;
  bool stats = false;
  std::string_view name;
  int steps = -1;  // -1: the workload's default
  std::uint64_t seed = 1;

  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return 0;
    }
    if (arg == "--list") {
      list = true;
    } else if (arg == "--stats") {
      stats = true;
    } else if (arg == "--steps" || arg == "--seed") {
      if (i + 1 >= args.size()) return usage_error(std::string(arg) + " needs a value");
      const std::string_view value = args[++i];
      if (arg == "--steps") {
        if (!parse_number(value, steps) || steps < 0) {
          return usage_error("--steps must be a non-negative integer, got '" + std::string(value) +
                             "'");
        }
      } else if (!parse_number(value, seed)) {
        return usage_error("--seed must be an unsigned 64-bit integer, got '" + std::string(value) +
                           "'");
      }
    } else if (arg.starts_with("-")) {
      return usage_error("unknown option '" + std::string(arg) + "'");
    } else if (name.empty()) {
      name = arg;
    } else {
      return usage_error("more than one workload name given");
    }
  }

  if (list) {
    std::vector<wl::WorkloadInfo> every = wl::all();
    every.insert(every.end(), wl::test_workloads().begin(), wl::test_workloads().end());
    for (const auto& info : every) {
      std::cout << info.name << std::string(info.name.size() < 14 ? 14 - info.name.size() : 1, ' ')
                << info.description << " (default " << info.default_steps << " steps)\n";
    }
    return 0;
  }
  if (name.empty()) return usage_error("missing workload name (see --list)");
  const wl::WorkloadInfo* info = find_workload(name);
  if (info == nullptr)
    return usage_error("unknown workload '" + std::string(name) + "' (see --list)");
  if (steps < 0) steps = info->default_steps;

  std::ios::sync_with_stdio(false);
  try {
    const auto start = std::chrono::steady_clock::now();
    auto generator = wl::make_generator(name, seed);
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    std::uint64_t sum = 0;
    for (int i = 0; i < steps; ++i) {
      const std::string line = generator->next().dump();  // compact, UTF-8 kept as is
      if (i == 0) first = line.size();
      last = line.size();
      sum += line.size();
      if (!stats) {
        std::cout.write(line.data(), static_cast<std::streamsize>(line.size()));
        std::cout.put('\n');
      }
    }
    if (stats) {
      const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
      wl::Json out = wl::Json::object();
      out["workload"] = name;
      out["seed"] = seed;
      out["steps"] = steps;
      out["first_state_bytes"] = first;
      out["final_state_bytes"] = last;
      out["sum_full_state_bytes"] = sum;
      out["seconds"] =
          static_cast<double>(static_cast<std::int64_t>(elapsed.count() * 1000.0)) / 1000.0;
      std::cout << out.dump() << '\n';
    }
    std::cout.flush();
    if (!std::cout) {
      std::cerr << "deltackpt-workload: write to stdout failed\n";
      return 1;
    }
  } catch (const std::exception& e) {
    std::cerr << "deltackpt-workload: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
