// deltackpt-soak: one writer of the soak test (scripts/soak), or its checker.
//
//   deltackpt-soak write URL WRITER SAVES ACKS
//     Saves steps 0..SAVES-1 of thread soak-WRITER, each with its own id, and
//     appends each acknowledged step to the file ACKS. Resumes after the last
//     acknowledged step: a process killed between a commit and its ack line
//     saves that step again under the same id, which succeeds (a checkpoint
//     already stored with the same content). A failed save is retried, with
//     the same id, until it succeeds: what a runtime with its own ids does.
//   deltackpt-soak check URL WRITERS SAVES ACKS_DIR
//     Every acknowledged step loads back as saved; each thread holds exactly
//     one row per step saved, no other; verify() passes. Prints the figures.
//
// The state of a step is a function of (writer, step), so the checker needs
// nothing but the store: a growing list of messages and a counter.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <thread>

#include "deltackpt/deltackpt.hpp"
#include "deltackpt/maintenance.hpp"
#include "deltackpt/open.hpp"

namespace {

using deltackpt::Json;

std::string thread_of(int writer) { return "soak-" + std::to_string(writer); }
std::string id_of(int writer, long step) { return "soak-" + std::to_string(writer) + "-" + std::to_string(step); }

Json state_of(int writer, long step) {
  Json messages = Json::array();
  for (long i = 0; i <= step; ++i) {
    messages.push_back({{"role", i % 2 == 0 ? "user" : "assistant"},
                        {"content", "writer " + std::to_string(writer) + " message " + std::to_string(i)}});
  }
  return {{"writer", writer}, {"step", step}, {"messages", std::move(messages)}};
}

long last_acked(const std::string& acks) {
  std::ifstream in(acks);
  long step = -1;
  for (long s = 0; in >> s;) step = s;
  return step;
}

int write(const std::string& url, int writer, long saves, const std::string& acks) {
  deltackpt::OpenOptions options;
  options.durability = deltackpt::Durability::kNormal;
  options.pool_size = 1;
  std::unique_ptr<deltackpt::DeltaCheckpointer> cp;
  std::FILE* out = std::fopen(acks.c_str(), "a");
  if (out == nullptr) return 1;
  long retries = 0;
  for (long step = last_acked(acks) + 1; step < saves; ++step) {
    deltackpt::Checkpoint c;
    c.thread_id = thread_of(writer);
    c.checkpoint_id = id_of(writer, step);
    c.parent_id = step == 0 ? "" : id_of(writer, step - 1);
    c.step = step;
    c.state = state_of(writer, step);
    // A client's retry policy, not a test's wait: back off while the
    // server restarts, for as long as it takes (the script bounds the run).
    for (auto pause = std::chrono::milliseconds(5);; pause = std::min(pause * 2, std::chrono::milliseconds(500))) {
      try {
        if (!cp) cp = deltackpt::open(url, options);
        cp->save(c);
        break;
      } catch (const deltackpt::StorageError& e) {
        ++retries;
        if (retries % 50 == 1) std::cerr << "soak writer " << writer << ": retrying: " << e.what() << '\n';
        if (std::string(e.what()).find("connect") != std::string::npos) cp.reset();
        std::this_thread::sleep_for(pause);
      }
    }
    std::fprintf(out, "%ld\n", step);
    std::fflush(out);  // in the kernel: survives this process being killed
  }
  std::fclose(out);
  std::cout << "writer " << writer << ": done, " << retries << " retries\n";
  return 0;
}

int check(const std::string& url, int writers, long saves, const std::string& acks_dir) {
  deltackpt::OpenOptions options;
  options.read_only = true;
  auto cp = deltackpt::open(url, options);
  long acked = 0, rows = 0, lost = 0, duplicated = 0, bad = 0;
  for (int w = 0; w < writers; ++w) {
    std::set<long> steps;
    {
      std::ifstream in(acks_dir + "/writer-" + std::to_string(w) + ".acks");
      for (long s = 0; in >> s;) steps.insert(s);
    }
    acked += static_cast<long>(steps.size());
    const auto listed = cp->list({.thread_id = thread_of(w)});
    rows += static_cast<long>(listed.size());
    std::set<std::string> ids;
    for (const auto& info : listed) ids.insert(info.checkpoint_id);
    // Ids are the writer's own, one per step: any other row is a duplicate.
    for (const auto& info : listed) {
      if (info.checkpoint_id.rfind("soak-" + std::to_string(w) + "-", 0) != 0 || info.step < 0 || info.step >= saves ||
          info.checkpoint_id != id_of(w, info.step)) {
        ++duplicated;
      }
    }
    duplicated += static_cast<long>(listed.size() - ids.size());
    if (static_cast<long>(listed.size()) != saves) {
      std::cerr << "writer " << w << ": " << listed.size() << " rows, " << saves << " saves made\n";
      ++bad;
    }
    for (long s = 0; s < saves; ++s) {
      const auto loaded = cp->load_by_id(id_of(w, s));
      if (!loaded) {
        if (steps.contains(s)) {
          std::cerr << "writer " << w << ": acknowledged step " << s << " is lost\n";
          ++lost;
        }
        continue;
      }
      if (loaded->step != s || loaded->state.dump() != state_of(w, s).dump()) {
        std::cerr << "writer " << w << ": step " << s << " does not load back as saved\n";
        ++bad;
      }
    }
  }
  const deltackpt::VerifyReport report = deltackpt::verify(cp->row_store(), {}, cp->options().limits);
  if (!report.ok()) {
    std::cerr << "verify: " << report.problems.size() << " bad rows\n";
    ++bad;
  }
  bad += lost + duplicated;
  std::cout << "soak check: " << writers << " writers, " << acked << " acknowledged saves, " << rows << " rows, "
            << lost << " lost, " << duplicated << " duplicated, " << report.checkpoints << " checkpoints verified: "
            << (bad == 0 ? "OK" : "FAILED") << '\n';
  return bad == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc == 6 && std::string(argv[1]) == "write") return write(argv[2], std::stoi(argv[3]), std::stol(argv[4]), argv[5]);
    if (argc == 6 && std::string(argv[1]) == "check") return check(argv[2], std::stoi(argv[3]), std::stol(argv[4]), argv[5]);
  } catch (const std::exception& e) {
    std::cerr << "deltackpt-soak: " << e.what() << '\n';
    return 1;
  }
  std::cerr << "usage: deltackpt-soak write URL WRITER SAVES ACKS | check URL WRITERS SAVES ACKS_DIR\n";
  return 2;
}
