// A C++ program using deltackpt, installed or built in its own tree: saves,
// resumes, travels back, reopens a SQLite file, and catches the library's
// exceptions by type (so their type information must be exported from the
// shared library).
#include <cstdio>
#include <string>

#include "deltackpt/config.hpp"
#include "deltackpt/deltackpt.hpp"
#include "deltackpt/open.hpp"

using deltackpt::Json;

static int check(bool ok, const char* what) {
  if (!ok) std::fprintf(stderr, "consumer_cpp: FAILED: %s\n", what);
  return ok ? 0 : 1;
}

static int exercise(const char* url) {
  int failures = 0;
  auto store = deltackpt::open(url, {.delta = {.full_snapshot_interval = 4}});
  Json state = {{"messages", Json::array()}, {"step", 0}};
  std::string first;
  for (int step = 0; step < 6; ++step) {
    state["messages"].push_back({{"role", "user"}, {"content", "hello " + std::to_string(step)}});
    state["step"] = step;
    const std::string id = store->save({.thread_id = "run-42", .step = step, .state = state});
    if (step == 0) first = id;
  }
  const auto latest = store->load("run-42");
  failures += check(latest && deltackpt::same_value(latest->state, state), "load returns the last state");
  failures += check(store->list("run-42").size() == 6, "list has every checkpoint");
  try {
    store->save({.thread_id = "run-42", .parent_id = first, .state = state});
    failures += check(false, "a stale parent is a Conflict");
  } catch (const deltackpt::Conflict& e) {
    failures += check(e.code() == deltackpt::ErrorCode::kConflict, "Conflict has its code");
  }
  try {
    deltackpt::open("ftp://nowhere");
    failures += check(false, "a bad URL is InvalidArgument");
  } catch (const deltackpt::Error& e) {
    failures += check(e.code() == deltackpt::ErrorCode::kInvalidArgument, "InvalidArgument has its code");
  }
  const auto forked = store->save({.thread_id = "run-42", .parent_id = first, .state = {{"fork", true}}},
                                  {.fork = true});
  failures += check(store->load("run-42")->checkpoint_id == forked, "a fork becomes the head");
  return failures;
}

// A store opened afresh on the file `exercise` wrote: the head is the fork.
static int reopen(const std::string& url) {
  const auto latest = deltackpt::open(url)->load("run-42");
  return check(latest && deltackpt::same_value(latest->state, Json{{"fork", true}}),
               "a reopened SQLite file loads the head");
}

// argv[1], when given: a SQLite file to create (it must not exist yet).
int main(int argc, char** argv) {
  int failures = check(std::string(DELTACKPT_VERSION).size() > 0, "config.hpp is installed");
  failures += exercise("memory:");
  failures += exercise("sqlite::memory:");
  if (argc > 1) {
    const std::string url = std::string("sqlite:") + argv[1];
    failures += exercise(url.c_str());
    failures += reopen(url);
  }
  if (failures == 0) std::printf("consumer_cpp ok (deltackpt %s)\n", DELTACKPT_VERSION);
  return failures == 0 ? 0 : 1;
}
