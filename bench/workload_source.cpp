// StateSource over the workload generator and over JSONL files.
#include "workload_source.hpp"

#include <fstream>
#include <stdexcept>

#include "workloads.hpp"

namespace deltackpt::bench {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

class GeneratorSource final : public StateSource {
 public:
  GeneratorSource(const std::string& name, std::uint64_t seed)
      : generator_(workloads::make_generator(name, seed)) {}
  // The generator's Json and ours are the same type (nlohmann::ordered_json).
  Json next() override { return generator_->next(); }

 private:
  std::unique_ptr<workloads::Generator> generator_;
};

class JsonlSource final : public StateSource {
 public:
  explicit JsonlSource(const std::string& path) : path_(path), in_(path) {
    if (!in_) throw std::invalid_argument("cannot read workload file " + path);
  }
  Json next() override {
    std::string line;
    while (std::getline(in_, line)) {
      ++line_no_;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank
      Json state;
      try {
        state = Json::parse(line);
      } catch (const Json::exception& e) {
        throw std::runtime_error(path_ + ":" + std::to_string(line_no_) + ": not JSON: " + e.what());
      }
      if (!state.is_object()) {
        throw std::runtime_error(path_ + ":" + std::to_string(line_no_) +
                                 ": a state must be a JSON object");
      }
      return state;
    }
    throw std::runtime_error(path_ + ": no more states after line " + std::to_string(line_no_));
  }

 private:
  std::string path_;
  std::ifstream in_;
  std::size_t line_no_ = 0;
};

}  // namespace

bool is_file_workload(const std::string& workload) {
  return workload.find('/') != std::string::npos || ends_with(workload, ".jsonl") ||
         ends_with(workload, ".json");
}

int default_steps(const std::string& workload) {
  if (!is_file_workload(workload)) {
    for (const auto& info : workloads::all()) {
      if (info.name == workload) return info.default_steps;
    }
    workloads::make_generator(workload);  // throws std::invalid_argument naming it
    return 0;
  }
  std::ifstream in(workload);
  if (!in) throw std::invalid_argument("cannot read workload file " + workload);
  int lines = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) ++lines;
  }
  return lines;
}

std::string workload_label(const std::string& workload) {
  if (!is_file_workload(workload)) return workload;
  std::string name = workload.substr(workload.find_last_of('/') + 1);
  const auto dot = name.find('.');
  if (dot != std::string::npos && dot > 0) name.resize(dot);
  return name;
}

std::unique_ptr<StateSource> open_source(const std::string& workload, std::uint64_t seed) {
  if (is_file_workload(workload)) return std::make_unique<JsonlSource>(workload);
  return std::make_unique<GeneratorSource>(workload, seed);
}

}  // namespace deltackpt::bench
