// The native half of deltackpt-langgraph: the C API (include/deltackpt/c.h)
// as Promises. Every call that touches storage runs on libuv's thread pool
// (Napi::AsyncWorker); close() waits for the calls in flight. No exception
// crosses into JavaScript: the C API returns status codes, which become
// Errors whose `code` is the status name ("conflict", "not_found", ...).
#include <napi.h>

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "deltackpt/c.h"

namespace {

// One call's outcome, filled on a worker thread, read on the JS thread.
struct Outcome {
  int status = DELTACKPT_OK;
  std::string message;
  std::optional<std::string> text;  // a returned string; nullopt: null
  double number = 0;                // a returned count
};

// Frees a string the C API returned, whatever happens next.
class Owned {
 public:
  ~Owned() { deltackpt_free(ptr); }
  char** out() { return &ptr; }
  std::optional<std::string> take() const {
    return ptr == nullptr ? std::nullopt : std::optional<std::string>(ptr);
  }

 private:
  char* ptr = nullptr;
};

Napi::Error error_of(Napi::Env env, int status, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, deltackpt_status_name(status)));
  error.Set("status", Napi::Number::New(env, status));
  return error;
}

class Store;

// Runs `work` on the thread pool and settles `deferred` on the JS thread.
class CallWorker : public Napi::AsyncWorker {
 public:
  using Work = std::function<void(Outcome&)>;
  using Finish = std::function<Napi::Value(Napi::Env, Outcome&)>;

  CallWorker(Napi::Env env, Store* store, Work work, Finish finish);
  Napi::Promise promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override { work_(outcome_); }
  void OnOK() override;
  void OnError(const Napi::Error& error) override;

 private:
  Napi::Promise::Deferred deferred_;
  Store* store_;
  Work work_;
  Finish finish_;
  Outcome outcome_;
  Napi::ObjectReference keep_alive_;
};

class Store : public Napi::ObjectWrap<Store> {
 public:
  static Napi::Function define(Napi::Env env) {
    return DefineClass(env, "Store",
                       {InstanceMethod<&Store::save>("save"), InstanceMethod<&Store::save_delta>("saveDelta"),
                        InstanceMethod<&Store::load>("load"),
                        InstanceMethod<&Store::load_by_id>("loadById"), InstanceMethod<&Store::info>("info"),
                        InstanceMethod<&Store::list>("list"), InstanceMethod<&Store::put_writes>("putWrites"),
                        InstanceMethod<&Store::writes>("writes"),
                        InstanceMethod<&Store::remove_thread>("removeThread"),
                        InstanceMethod<&Store::namespaces>("namespaces"), InstanceMethod<&Store::stats>("stats"),
                        InstanceMethod<&Store::verify>("verify"), InstanceMethod<&Store::close>("close")});
  }

  explicit Store(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Store>(info) {
    if (info.Length() != 1 || !info[0].IsExternal()) {
      throw Napi::TypeError::New(info.Env(), "deltackpt: a Store is made by open(), not new");
    }
    handle_ = info[0].As<Napi::External<deltackpt_store_t>>().Data();
  }
  ~Store() override { deltackpt_close(handle_); }

  // Bookkeeping of calls in flight; JS thread only.
  void started() { ++in_flight_; }
  void finished(Napi::Env env) {
    if (--in_flight_ == 0 && closing_) close_now(env);
  }

 private:
  using Call = std::function<int(deltackpt_store_t*, char**)>;

  // A call returning a string (or null).
  Napi::Value string_call(const Napi::CallbackInfo& info, Call call) {
    return start(info, [call](deltackpt_store_t* h, Outcome& o) {
      Owned out;
      o.status = call(h, out.out());
      if (o.status == DELTACKPT_OK) o.text = out.take();
    }, [](Napi::Env env, Outcome& o) -> Napi::Value {
      if (!o.text) return env.Null();
      return Napi::String::New(env, *o.text);
    });
  }

  Napi::Value start(const Napi::CallbackInfo& info, std::function<void(deltackpt_store_t*, Outcome&)> work,
                    CallWorker::Finish finish) {
    Napi::Env env = info.Env();
    if (handle_ == nullptr || closing_) {
      auto deferred = Napi::Promise::Deferred::New(env);
      deferred.Reject(error_of(env, DELTACKPT_INVALID_ARGUMENT, "deltackpt: the store is closed").Value());
      return deferred.Promise();
    }
    deltackpt_store_t* h = handle_;
    auto* worker = new CallWorker(
        env, this,
        [h, work = std::move(work)](Outcome& o) {
          work(h, o);
          if (o.status != DELTACKPT_OK) o.message = deltackpt_errmsg(h);  // this thread's last call
        },
        std::move(finish));
    started();
    worker->Queue();
    return worker->promise();
  }

  static std::string string_arg(const Napi::CallbackInfo& info, std::size_t i, const char* name) {
    if (info.Length() <= i || !info[i].IsString()) {
      throw Napi::TypeError::New(info.Env(), std::string("deltackpt: ") + name + " must be a string");
    }
    return info[i].As<Napi::String>().Utf8Value();
  }
  // A string, or null/undefined (nullopt).
  static std::optional<std::string> optional_string_arg(const Napi::CallbackInfo& info, std::size_t i,
                                                        const char* name) {
    if (info.Length() <= i || info[i].IsNull() || info[i].IsUndefined()) return std::nullopt;
    return string_arg(info, i, name);
  }
  static const char* c_str(const std::optional<std::string>& s) { return s ? s->c_str() : nullptr; }

  Napi::Value save(const Napi::CallbackInfo& info) {
    const std::string checkpoint = string_arg(info, 0, "checkpoint");
    const auto flags = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Uint32Value() : 0u;
    return string_call(info, [checkpoint, flags](deltackpt_store_t* h, char** out) {
      return deltackpt_save(h, checkpoint.c_str(), flags, out);
    });
  }
  Napi::Value save_delta(const Napi::CallbackInfo& info) {
    const std::string checkpoint = string_arg(info, 0, "checkpoint");
    const std::string delta = string_arg(info, 1, "delta");
    const auto flags = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().Uint32Value() : 0u;
    return string_call(info, [checkpoint, delta, flags](deltackpt_store_t* h, char** out) {
      return deltackpt_save_delta(h, checkpoint.c_str(), delta.c_str(), flags, out);
    });
  }
  Napi::Value load(const Napi::CallbackInfo& info) {
    const std::string thread = string_arg(info, 0, "thread_id");
    const std::string ns = string_arg(info, 1, "checkpoint_ns");
    return string_call(info, [thread, ns](deltackpt_store_t* h, char** out) {
      return deltackpt_load_ns(h, thread.c_str(), ns.c_str(), out);
    });
  }
  Napi::Value load_by_id(const Napi::CallbackInfo& info) {
    const std::string id = string_arg(info, 0, "checkpoint_id");
    return string_call(info, [id](deltackpt_store_t* h, char** out) { return deltackpt_load_by_id(h, id.c_str(), out); });
  }
  Napi::Value info(const Napi::CallbackInfo& info) {
    const std::string id = string_arg(info, 0, "checkpoint_id");
    return string_call(info, [id](deltackpt_store_t* h, char** out) { return deltackpt_info(h, id.c_str(), out); });
  }
  Napi::Value list(const Napi::CallbackInfo& info) {
    const auto thread = optional_string_arg(info, 0, "thread_id");
    const std::string options = string_arg(info, 1, "options");
    return string_call(info, [thread, options](deltackpt_store_t* h, char** out) {
      return deltackpt_list(h, c_str(thread), options.c_str(), out);
    });
  }
  Napi::Value put_writes(const Napi::CallbackInfo& info) {
    const std::string writes = string_arg(info, 0, "writes");
    return string_call(info, [writes](deltackpt_store_t* h, char**) { return deltackpt_put_writes(h, writes.c_str()); });
  }
  Napi::Value writes(const Napi::CallbackInfo& info) {
    const std::string key = string_arg(info, 0, "key");
    return string_call(info, [key](deltackpt_store_t* h, char** out) { return deltackpt_writes(h, key.c_str(), out); });
  }
  Napi::Value namespaces(const Napi::CallbackInfo& info) {
    const std::string thread = string_arg(info, 0, "thread_id");
    return string_call(info, [thread](deltackpt_store_t* h, char** out) {
      return deltackpt_namespaces(h, thread.c_str(), out);
    });
  }
  Napi::Value stats(const Napi::CallbackInfo& info) {
    const auto thread = optional_string_arg(info, 0, "thread_id");
    return string_call(info, [thread](deltackpt_store_t* h, char** out) { return deltackpt_stats(h, c_str(thread), out); });
  }
  Napi::Value verify(const Napi::CallbackInfo& info) {
    const auto thread = optional_string_arg(info, 0, "thread_id");
    return string_call(info, [thread](deltackpt_store_t* h, char** out) { return deltackpt_verify(h, c_str(thread), out); });
  }
  Napi::Value remove_thread(const Napi::CallbackInfo& info) {
    const std::string thread = string_arg(info, 0, "thread_id");
    return start(info, [thread](deltackpt_store_t* h, Outcome& o) {
      std::size_t removed = 0;
      o.status = deltackpt_remove_thread(h, thread.c_str(), &removed);
      o.number = static_cast<double>(removed);
    }, [](Napi::Env env, Outcome& o) -> Napi::Value { return Napi::Number::New(env, o.number); });
  }

  // Resolves when every call in flight has settled, then closes the store.
  Napi::Value close(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto deferred = Napi::Promise::Deferred::New(env);
    if (handle_ == nullptr) {
      deferred.Resolve(env.Undefined());
      return deferred.Promise();
    }
    closed_.push_back(deferred);
    closing_ = true;
    if (in_flight_ == 0) close_now(env);
    return deferred.Promise();
  }

  void close_now(Napi::Env env) {
    deltackpt_close(handle_);
    handle_ = nullptr;
    for (auto& d : closed_) d.Resolve(env.Undefined());
    closed_.clear();
  }

  deltackpt_store_t* handle_ = nullptr;
  int in_flight_ = 0;
  bool closing_ = false;
  std::vector<Napi::Promise::Deferred> closed_;
};

CallWorker::CallWorker(Napi::Env env, Store* store, Work work, Finish finish)
    : Napi::AsyncWorker(env, "deltackpt"),
      deferred_(Napi::Promise::Deferred::New(env)),
      store_(store),
      work_(std::move(work)),
      finish_(std::move(finish)),
      keep_alive_(store != nullptr ? Napi::Persistent(store->Value()) : Napi::ObjectReference()) {}

void CallWorker::OnOK() {
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  if (outcome_.status == DELTACKPT_OK) {
    deferred_.Resolve(finish_(env, outcome_));
  } else {
    deferred_.Reject(error_of(env, outcome_.status, outcome_.message).Value());
  }
  if (store_ != nullptr) store_->finished(env);
}

void CallWorker::OnError(const Napi::Error& error) {
  deferred_.Reject(error.Value());
  if (store_ != nullptr) store_->finished(Env());
}

Napi::FunctionReference* store_constructor(Napi::Env env) {
  return env.GetInstanceData<Napi::FunctionReference>();
}

// open(url, optionsJson): Promise<Store>.
Napi::Value open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "deltackpt: url must be a string");
  const std::string url = info[0].As<Napi::String>().Utf8Value();
  std::optional<std::string> options;
  if (info.Length() > 1 && info[1].IsString()) options = info[1].As<Napi::String>().Utf8Value();
  auto handle = std::make_shared<deltackpt_store_t*>(nullptr);
  auto* worker = new CallWorker(
      env, nullptr,
      [url, options, handle](Outcome& o) {
        o.status = deltackpt_open(url.c_str(), options ? options->c_str() : nullptr, handle.get());
        if (o.status != DELTACKPT_OK) {
          o.message = deltackpt_errmsg(*handle);
          deltackpt_close(*handle);
          *handle = nullptr;
        }
      },
      [handle](Napi::Env e, Outcome&) -> Napi::Value {
        deltackpt_store_t* h = *handle;
        *handle = nullptr;
        return store_constructor(e)->New({Napi::External<deltackpt_store_t>::New(e, h)});
      });
  worker->Queue();
  return worker->promise();
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
  Napi::Function store = Store::define(env);
  env.SetInstanceData(new Napi::FunctionReference(Napi::Persistent(store)));
  exports.Set("open", Napi::Function::New(env, open, "open"));
  exports.Set("version", Napi::String::New(env, deltackpt_version()));
  exports.Set("SAVE_FORK", Napi::Number::New(env, DELTACKPT_SAVE_FORK));
  exports.Set("SAVE_ROOT", Napi::Number::New(env, DELTACKPT_SAVE_ROOT));
  return exports;
}

}  // namespace

NODE_API_MODULE(deltackpt, init)
