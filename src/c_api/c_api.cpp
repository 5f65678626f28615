// The C API (include/deltackpt/c.h): every entry point catches everything,
// turns it into a status code and keeps the message per calling thread.
#include "deltackpt/c.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>

#include "c_json.hpp"
#include "deltackpt/config.hpp"
#include "deltackpt/errors.hpp"
#include "deltackpt/maintenance.hpp"
#include "deltackpt/open.hpp"

using deltackpt::Json;
namespace capi = deltackpt::detail::capi;

struct deltackpt_store_t {
  struct LastError {
    std::string message;
    bool retryable = false;
  };

  // Null when deltackpt_open failed: the handle then only carries the message.
  std::unique_ptr<deltackpt::Checkpointer> checkpointer;

  mutable std::mutex mu;
  // The last failure of each thread that called; a success erases its entry.
  std::unordered_map<std::thread::id, LastError> errors;  // guarded by mu

  int fail(int status, const char* message, bool retryable) noexcept {
    try {
      std::lock_guard<std::mutex> lock(mu);
      LastError& e = errors[std::this_thread::get_id()];
      e.message = message;
      e.retryable = retryable;
    } catch (...) {
      // No memory left for the message: the status code still tells.
      forget();
    }
    return status;
  }

  void forget() noexcept {
    std::lock_guard<std::mutex> lock(mu);  // std::mutex::lock does not throw here
    errors.erase(std::this_thread::get_id());
  }
};

namespace {

constexpr const char* kNullStore = "deltackpt: the store handle is NULL";

int status_of(deltackpt::ErrorCode code) noexcept {
  switch (code) {
    case deltackpt::ErrorCode::kInvalidArgument: return DELTACKPT_INVALID_ARGUMENT;
    case deltackpt::ErrorCode::kNotFound: return DELTACKPT_NOT_FOUND;
    case deltackpt::ErrorCode::kConflict: return DELTACKPT_CONFLICT;
    case deltackpt::ErrorCode::kCorruption: return DELTACKPT_CORRUPTION;
    case deltackpt::ErrorCode::kStorage: return DELTACKPT_STORAGE;
    case deltackpt::ErrorCode::kSchema: return DELTACKPT_SCHEMA;
  }
  return DELTACKPT_INTERNAL;
}

// Runs `body` and records its outcome on `store` for the calling thread. The
// one place where exceptions stop.
template <typename Body>
int run(deltackpt_store_t* store, Body&& body) noexcept {
  try {
    body();
    store->forget();
    return DELTACKPT_OK;
  } catch (const deltackpt::StorageError& e) {
    return store->fail(DELTACKPT_STORAGE, e.what(), e.retryable());
  } catch (const deltackpt::Error& e) {
    return store->fail(status_of(e.code()), e.what(), false);
  } catch (const std::bad_alloc&) {
    return store->fail(DELTACKPT_OUT_OF_MEMORY, "deltackpt: out of memory", false);
  } catch (const std::exception& e) {
    std::string message;
    try {
      message = std::string("deltackpt: internal error: ") + e.what();
    } catch (...) {
    }
    return store->fail(DELTACKPT_INTERNAL, message.c_str(), false);
  } catch (...) {
    return store->fail(DELTACKPT_INTERNAL, "deltackpt: internal error: unknown exception", false);
  }
}

// The open checkpointer of `store`. REQUIRES: store is not null.
deltackpt::Checkpointer& checkpointer(deltackpt_store_t* store, const char* op) {
  if (!store->checkpointer) {
    throw deltackpt::InvalidArgument(std::string(op) +
                                     ": the store is not open (deltackpt_open failed on it)");
  }
  return *store->checkpointer;
}

void require(const void* arg, const char* op, const char* name) {
  if (arg == nullptr) throw deltackpt::InvalidArgument(std::string(op) + ": " + name + " is NULL");
}

// A copy of `text` in memory the caller releases with deltackpt_free.
char* copy_out(const std::string& text) {
  auto* out = static_cast<char*>(std::malloc(text.size() + 1));
  if (out == nullptr) throw std::bad_alloc();
  std::memcpy(out, text.c_str(), text.size() + 1);
  return out;
}

char* dump_out(const Json& value) {
  // Stored states are valid UTF-8; replace keeps a damaged message printable.
  return copy_out(value.dump(-1, ' ', false, Json::error_handler_t::replace));
}

void clear(char** out) noexcept {
  if (out != nullptr) *out = nullptr;
}

}  // namespace

extern "C" {

const char* deltackpt_version(void) noexcept { return DELTACKPT_VERSION; }

const char* deltackpt_status_name(int status) noexcept {
  switch (status) {
    case DELTACKPT_OK: return "ok";
    case DELTACKPT_INVALID_ARGUMENT: return "invalid_argument";
    case DELTACKPT_NOT_FOUND: return "not_found";
    case DELTACKPT_CONFLICT: return "conflict";
    case DELTACKPT_CORRUPTION: return "corruption";
    case DELTACKPT_STORAGE: return "storage";
    case DELTACKPT_SCHEMA: return "schema";
    case DELTACKPT_OUT_OF_MEMORY: return "out_of_memory";
    case DELTACKPT_INTERNAL: return "internal";
    default: return "unknown";
  }
}

int deltackpt_open(const char* url, const char* options_json, deltackpt_store_t** store) noexcept {
  if (store == nullptr) return DELTACKPT_INVALID_ARGUMENT;
  *store = new (std::nothrow) deltackpt_store_t();
  if (*store == nullptr) return DELTACKPT_OUT_OF_MEMORY;
  deltackpt_store_t* s = *store;
  return run(s, [&] {
    require(url, "deltackpt_open", "url");
    deltackpt::OpenOptions options = capi::open_options_from_json(
        capi::parse_argument(options_json, "deltackpt_open: options_json", true));
    s->checkpointer = deltackpt::open(url, options);
  });
}

void deltackpt_close(deltackpt_store_t* store) noexcept {
  delete store;  // the Checkpointer's destructor does not throw
}

const char* deltackpt_errmsg(const deltackpt_store_t* store) noexcept {
  if (store == nullptr) return kNullStore;
  std::lock_guard<std::mutex> lock(store->mu);
  const auto it = store->errors.find(std::this_thread::get_id());
  // The entry is only changed by this thread's own calls, so the text stays
  // in place after the lock is released (rehashing does not move entries).
  return it == store->errors.end() ? "" : it->second.message.c_str();
}

int deltackpt_error_retryable(const deltackpt_store_t* store) noexcept {
  if (store == nullptr) return 0;
  std::lock_guard<std::mutex> lock(store->mu);
  const auto it = store->errors.find(std::this_thread::get_id());
  return it != store->errors.end() && it->second.retryable ? 1 : 0;
}

void deltackpt_free(void* ptr) noexcept { std::free(ptr); }

int deltackpt_save(deltackpt_store_t* store, const char* checkpoint_json, unsigned flags,
                   char** checkpoint_id) noexcept {
  clear(checkpoint_id);
  if (store == nullptr) return DELTACKPT_INVALID_ARGUMENT;
  return run(store, [&] {
    deltackpt::Checkpointer& cp = checkpointer(store, "deltackpt_save");
    if ((flags & ~DELTACKPT_SAVE_FORK) != 0) {
      throw deltackpt::InvalidArgument("deltackpt_save: unknown flags " + std::to_string(flags));
    }
    const deltackpt::Checkpoint checkpoint = capi::checkpoint_from_json(
        capi::parse_argument(checkpoint_json, "deltackpt_save: checkpoint_json", false));
    const std::string id =
        cp.save(checkpoint, deltackpt::SaveOptions{.fork = (flags & DELTACKPT_SAVE_FORK) != 0});
    if (checkpoint_id != nullptr) *checkpoint_id = copy_out(id);
  });
}

int deltackpt_load(deltackpt_store_t* store, const char* thread_id, char** checkpoint_json) noexcept {
  clear(checkpoint_json);
  if (store == nullptr) return DELTACKPT_INVALID_ARGUMENT;
  return run(store, [&] {
    deltackpt::Checkpointer& cp = checkpointer(store, "deltackpt_load");
    require(thread_id, "deltackpt_load", "thread_id");
    require(checkpoint_json, "deltackpt_load", "checkpoint_json");
    std::optional<deltackpt::Checkpoint> loaded = cp.load(thread_id);
    if (loaded) *checkpoint_json = dump_out(capi::to_json(std::move(*loaded)));
  });
}

int deltackpt_load_by_id(deltackpt_store_t* store, const char* checkpoint_id,
                         char** checkpoint_json) noexcept {
  clear(checkpoint_json);
  if (store == nullptr) return DELTACKPT_INVALID_ARGUMENT;
  return run(store, [&] {
    deltackpt::Checkpointer& cp = checkpointer(store, "deltackpt_load_by_id");
    require(checkpoint_id, "deltackpt_load_by_id", "checkpoint_id");
    require(checkpoint_json, "deltackpt_load_by_id", "checkpoint_json");
    std::optional<deltackpt::Checkpoint> loaded = cp.load_by_id(checkpoint_id);
    if (loaded) *checkpoint_json = dump_out(capi::to_json(std::move(*loaded)));
  });
}

int deltackpt_list(deltackpt_store_t* store, const char* thread_id, const char* options_json,
                   char** infos_json) noexcept {
  clear(infos_json);
  if (store == nullptr) return DELTACKPT_INVALID_ARGUMENT;
  return run(store, [&] {
    deltackpt::Checkpointer& cp = checkpointer(store, "deltackpt_list");
    require(thread_id, "deltackpt_list", "thread_id");
    require(infos_json, "deltackpt_list", "infos_json");
    const deltackpt::ListOptions options = capi::list_options_from_json(
        capi::parse_argument(options_json, "deltackpt_list: options_json", true));
    Json out = Json::array();
    for (const auto& info : cp.list(thread_id, options)) out.push_back(capi::to_json(info));
    *infos_json = dump_out(out);
  });
}

int deltackpt_history(deltackpt_store_t* store, const char* thread_id,
                      char** checkpoints_json) noexcept {
  clear(checkpoints_json);
  if (store == nullptr) return DELTACKPT_INVALID_ARGUMENT;
  return run(store, [&] {
    deltackpt::Checkpointer& cp = checkpointer(store, "deltackpt_history");
    require(thread_id, "deltackpt_history", "thread_id");
    require(checkpoints_json, "deltackpt_history", "checkpoints_json");
    Json out = Json::array();
    for (auto& checkpoint : cp.history(thread_id)) out.push_back(capi::to_json(std::move(checkpoint)));
    *checkpoints_json = dump_out(out);
  });
}

int deltackpt_threads(deltackpt_store_t* store, char** thread_ids_json) noexcept {
  clear(thread_ids_json);
  if (store == nullptr) return DELTACKPT_INVALID_ARGUMENT;
  return run(store, [&] {
    deltackpt::Checkpointer& cp = checkpointer(store, "deltackpt_threads");
    require(thread_ids_json, "deltackpt_threads", "thread_ids_json");
    *thread_ids_json = dump_out(capi::to_json(cp.threads()));
  });
}

int deltackpt_remove_thread(deltackpt_store_t* store, const char* thread_id, size_t* removed) noexcept {
  if (removed != nullptr) *removed = 0;
  if (store == nullptr) return DELTACKPT_INVALID_ARGUMENT;
  return run(store, [&] {
    deltackpt::Checkpointer& cp = checkpointer(store, "deltackpt_remove_thread");
    require(thread_id, "deltackpt_remove_thread", "thread_id");
    const std::size_t n = cp.remove_thread(thread_id);
    if (removed != nullptr) *removed = n;
  });
}

int deltackpt_prune(deltackpt_store_t* store, const char* thread_id, const char* policy_json,
                    char** result_json) noexcept {
  clear(result_json);
  if (store == nullptr) return DELTACKPT_INVALID_ARGUMENT;
  return run(store, [&] {
    deltackpt::Checkpointer& cp = checkpointer(store, "deltackpt_prune");
    require(thread_id, "deltackpt_prune", "thread_id");
    const deltackpt::RetentionPolicy policy = capi::retention_from_json(
        capi::parse_argument(policy_json, "deltackpt_prune: policy_json", false));
    const deltackpt::PruneResult result = cp.prune(thread_id, policy);
    if (result_json != nullptr) *result_json = dump_out(capi::to_json(result));
  });
}

int deltackpt_stats(deltackpt_store_t* store, const char* thread_id, char** stats_json) noexcept {
  clear(stats_json);
  if (store == nullptr) return DELTACKPT_INVALID_ARGUMENT;
  return run(store, [&] {
    deltackpt::Checkpointer& cp = checkpointer(store, "deltackpt_stats");
    require(stats_json, "deltackpt_stats", "stats_json");
    deltackpt::Json out = capi::to_json(deltackpt::stats(cp, thread_id == nullptr ? "" : thread_id));
    if (const auto* delta = dynamic_cast<const deltackpt::DeltaCheckpointer*>(&cp)) {
      out["saves"] = deltackpt::to_json(delta->counters());
    }
    *stats_json = dump_out(out);
  });
}

int deltackpt_verify(deltackpt_store_t* store, const char* thread_id, char** report_json) noexcept {
  clear(report_json);
  if (store == nullptr) return DELTACKPT_INVALID_ARGUMENT;
  return run(store, [&] {
    deltackpt::Checkpointer& cp = checkpointer(store, "deltackpt_verify");
    require(report_json, "deltackpt_verify", "report_json");
    *report_json = dump_out(deltackpt::to_json(deltackpt::verify(cp, thread_id == nullptr ? "" : thread_id)));
  });
}

}  // extern "C"
