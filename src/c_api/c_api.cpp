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
  std::unique_ptr<deltackpt::DeltaCheckpointer> checkpointer;

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

// What an entry point's body gets: the open checkpointer, and checks of
// its pointer arguments that name the entry point.
struct Call {
  const char* op;
  deltackpt::DeltaCheckpointer& cp;

  void require(const void* arg, const char* name) const {
    if (arg == nullptr) throw deltackpt::InvalidArgument(std::string(op) + ": " + name + " is NULL");
  }
  deltackpt::Json argument(const char* text, const char* name, bool optional) const {
    return capi::parse_argument(text, std::string(op) + ": " + name, optional);
  }
};

// The prologue and epilogue of every entry point on an open store: sets
// `out` (when given) to NULL first, so it is NULL on every failure; refuses
// a NULL or unopened store; runs `body` under run().
template <typename Out, typename Body>
int call(deltackpt_store_t* store, const char* op, Out* out, Body&& body) noexcept {
  if (out != nullptr) *out = Out{};
  if (store == nullptr) return DELTACKPT_INVALID_ARGUMENT;
  return run(store, [&] {
    if (!store->checkpointer) {
      throw deltackpt::InvalidArgument(std::string(op) + ": the store is not open (deltackpt_open failed on it)");
    }
    body(Call{op, *store->checkpointer});
  });
}

const char* or_empty(const char* thread_id) { return thread_id == nullptr ? "" : thread_id; }

Json writes_json_of(const std::vector<deltackpt::PendingWrite>& writes) {
  Json out = Json::array();
  for (const auto& w : writes) out.push_back(deltackpt::to_json(w));
  return out;
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
    if (url == nullptr) throw deltackpt::InvalidArgument("deltackpt_open: url is NULL");
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
  return call(store, "deltackpt_save", checkpoint_id, [&](const Call& c) {
    if ((flags & ~(DELTACKPT_SAVE_FORK | DELTACKPT_SAVE_ROOT)) != 0) {
      throw deltackpt::InvalidArgument("deltackpt_save: unknown flags " + std::to_string(flags));
    }
    const deltackpt::Checkpoint checkpoint =
        capi::checkpoint_from_json(c.argument(checkpoint_json, "checkpoint_json", false));
    const std::string id = c.cp.save(checkpoint, {.fork = (flags & DELTACKPT_SAVE_FORK) != 0,
                                                  .root = (flags & DELTACKPT_SAVE_ROOT) != 0});
    if (checkpoint_id != nullptr) *checkpoint_id = copy_out(id);
  });
}

int deltackpt_save_delta(deltackpt_store_t* store, const char* checkpoint_json, const char* delta_json,
                         unsigned flags, char** checkpoint_id) noexcept {
  return call(store, "deltackpt_save_delta", checkpoint_id, [&](const Call& c) {
    if ((flags & ~DELTACKPT_SAVE_FORK) != 0) {
      throw deltackpt::InvalidArgument("deltackpt_save_delta: unknown flags " + std::to_string(flags) +
                                       " (only DELTACKPT_SAVE_FORK applies)");
    }
    deltackpt::Json doc = c.argument(checkpoint_json, "checkpoint_json", false);
    if (doc.is_object() && doc.contains("state")) {
      throw deltackpt::InvalidArgument("deltackpt_save_delta: checkpoint_json has a \"state\"; the delta gives it");
    }
    const deltackpt::Checkpoint checkpoint = capi::checkpoint_from_json(std::move(doc));
    const deltackpt::Json delta = c.argument(delta_json, "delta_json", false);
    const std::string id = c.cp.save_delta(checkpoint, delta, {.fork = (flags & DELTACKPT_SAVE_FORK) != 0});
    if (checkpoint_id != nullptr) *checkpoint_id = copy_out(id);
  });
}

int deltackpt_load(deltackpt_store_t* store, const char* thread_id, char** checkpoint_json) noexcept {
  return deltackpt_load_ns(store, thread_id, "", checkpoint_json);
}

int deltackpt_load_ns(deltackpt_store_t* store, const char* thread_id, const char* checkpoint_ns,
                      char** checkpoint_json) noexcept {
  return call(store, "deltackpt_load", checkpoint_json, [&](const Call& c) {
    c.require(thread_id, "thread_id");
    c.require(checkpoint_ns, "checkpoint_ns");
    c.require(checkpoint_json, "checkpoint_json");
    if (auto loaded = c.cp.load(thread_id, checkpoint_ns)) {
      *checkpoint_json = dump_out(deltackpt::to_json(std::move(*loaded)));
    }
  });
}

int deltackpt_load_by_id(deltackpt_store_t* store, const char* checkpoint_id,
                         char** checkpoint_json) noexcept {
  return call(store, "deltackpt_load_by_id", checkpoint_json, [&](const Call& c) {
    c.require(checkpoint_id, "checkpoint_id");
    c.require(checkpoint_json, "checkpoint_json");
    if (auto loaded = c.cp.load_by_id(checkpoint_id)) {
      *checkpoint_json = dump_out(deltackpt::to_json(std::move(*loaded)));
    }
  });
}

int deltackpt_info(deltackpt_store_t* store, const char* checkpoint_id, char** info_json) noexcept {
  return call(store, "deltackpt_info", info_json, [&](const Call& c) {
    c.require(checkpoint_id, "checkpoint_id");
    c.require(info_json, "info_json");
    if (auto info = c.cp.info(checkpoint_id)) *info_json = dump_out(deltackpt::to_json(*info));
  });
}

int deltackpt_list(deltackpt_store_t* store, const char* thread_id, const char* options_json,
                   char** infos_json) noexcept {
  return call(store, "deltackpt_list", infos_json, [&](const Call& c) {
    c.require(infos_json, "infos_json");
    capi::ListRequest request = capi::list_request_from_json(c.argument(options_json, "options_json", true));
    if (thread_id != nullptr) request.options.thread_id = thread_id;
    Json out = Json::array();
    if (!request.with_states) {
      for (const auto& info : c.cp.list(request.options)) out.push_back(deltackpt::to_json(info));
    } else {
      for (auto& listed : c.cp.list_states(request.options)) {
        Json item = deltackpt::to_json(std::move(listed.checkpoint));
        if (request.options.with_writes) item["writes"] = writes_json_of(listed.writes);
        out.push_back(std::move(item));
      }
    }
    *infos_json = dump_out(out);
  });
}

int deltackpt_history(deltackpt_store_t* store, const char* thread_id, char** checkpoints_json) noexcept {
  return call(store, "deltackpt_history", checkpoints_json, [&](const Call& c) {
    c.require(thread_id, "thread_id");
    c.require(checkpoints_json, "checkpoints_json");
    Json out = Json::array();
    for (auto& checkpoint : c.cp.history(thread_id)) out.push_back(deltackpt::to_json(std::move(checkpoint)));
    *checkpoints_json = dump_out(out);
  });
}

int deltackpt_namespaces(deltackpt_store_t* store, const char* thread_id, char** namespaces_json) noexcept {
  return call(store, "deltackpt_namespaces", namespaces_json, [&](const Call& c) {
    c.require(thread_id, "thread_id");
    c.require(namespaces_json, "namespaces_json");
    *namespaces_json = dump_out(Json(c.cp.namespaces(thread_id)));
  });
}

int deltackpt_put_writes(deltackpt_store_t* store, const char* writes_json) noexcept {
  return call(store, "deltackpt_put_writes", static_cast<char**>(nullptr), [&](const Call& c) {
    auto [key, writes] = capi::writes_from_json(c.argument(writes_json, "writes_json", false));
    c.cp.put_writes(key, writes);
  });
}

int deltackpt_writes(deltackpt_store_t* store, const char* key_json, char** writes_json) noexcept {
  return call(store, "deltackpt_writes", writes_json, [&](const Call& c) {
    c.require(writes_json, "writes_json");
    Json doc = c.argument(key_json, "key_json", false);
    *writes_json = dump_out(writes_json_of(c.cp.writes(capi::key_from_json(doc, "deltackpt_writes: key_json"))));
  });
}

int deltackpt_threads(deltackpt_store_t* store, char** thread_ids_json) noexcept {
  return call(store, "deltackpt_threads", thread_ids_json, [&](const Call& c) {
    c.require(thread_ids_json, "thread_ids_json");
    *thread_ids_json = dump_out(Json(c.cp.threads()));
  });
}

int deltackpt_remove_thread(deltackpt_store_t* store, const char* thread_id, size_t* removed) noexcept {
  return call(store, "deltackpt_remove_thread", removed, [&](const Call& c) {
    c.require(thread_id, "thread_id");
    const std::size_t n = c.cp.remove_thread(thread_id);
    if (removed != nullptr) *removed = n;
  });
}

int deltackpt_prune(deltackpt_store_t* store, const char* thread_id, const char* policy_json,
                    char** result_json) noexcept {
  return call(store, "deltackpt_prune", result_json, [&](const Call& c) {
    c.require(thread_id, "thread_id");
    std::string checkpoint_ns;
    const deltackpt::RetentionPolicy policy =
        capi::retention_from_json(c.argument(policy_json, "policy_json", false), checkpoint_ns);
    const deltackpt::PruneResult result = c.cp.prune(thread_id, checkpoint_ns, policy);
    if (result_json != nullptr) *result_json = dump_out(deltackpt::to_json(result));
  });
}

int deltackpt_stats(deltackpt_store_t* store, const char* thread_id, char** stats_json) noexcept {
  return call(store, "deltackpt_stats", stats_json, [&](const Call& c) {
    c.require(stats_json, "stats_json");
    Json out = deltackpt::to_json(deltackpt::stats(c.cp.row_store(), or_empty(thread_id)));
    out["saves"] = deltackpt::to_json(c.cp.counters());
    out["cache"] = deltackpt::to_json(c.cp.cache_counters());
    *stats_json = dump_out(out);
  });
}

int deltackpt_verify(deltackpt_store_t* store, const char* thread_id, char** report_json) noexcept {
  return call(store, "deltackpt_verify", report_json, [&](const Call& c) {
    c.require(report_json, "report_json");
    const deltackpt::VerifyReport report =
        deltackpt::verify(c.cp.row_store(), or_empty(thread_id), c.cp.options().limits);
    *report_json = dump_out(deltackpt::to_json(report));
  });
}

}  // extern "C"
