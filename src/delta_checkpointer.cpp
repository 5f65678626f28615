// Saving, loading and pruning checkpoints as rows of a RowStore.
#include "deltackpt/delta_checkpointer.hpp"

#include <atomic>
#include <mutex>
#include <unordered_map>

#include "deltackpt/diff.hpp"
#include "deltackpt/errors.hpp"
#include "backends/row_columns.hpp"
#include "delta_policy.hpp"
#include "diff/caller_delta.hpp"
#include "diff/measured_diff.hpp"
#include "json_internal.hpp"
#include "prune_plan.hpp"
#include "replay.hpp"
#include "row_codec.hpp"
#include "state_cache.hpp"
#include "state_figures.hpp"

namespace deltackpt {
namespace {

using detail::CachedState;
using detail::ChainDictionary;
using detail::ChainPosition;

// Rows fetched per page while filtering list() results on metadata.
constexpr std::size_t kListPage = 256;
// How often a delta save with an implicit parent follows a head that other
// writers keep moving before it writes a full row instead (which the store
// appends after any head, so it cannot lose the race).
constexpr int kHeadRetriesBeforeFullRow = 3;
// prune() plans again when a writer saved into the chains it rewrites.
constexpr int kRewriteAttempts = 3;

bool metadata_matches(const Json& metadata, const Json& filter) {
  for (auto it = filter.begin(); it != filter.end(); ++it) {
    const auto found = metadata.find(it.key());
    if (found == metadata.end() || !same_value(*found, it.value())) return false;
  }
  return true;
}

std::string pending_to_text(const std::vector<std::string>& nodes) {
  Json array = Json::array();
  for (const auto& n : nodes) array.push_back(n);
  return array.dump();
}

// Checks a name of at most `max_bytes`: thread, checkpoint and task ids,
// namespaces, task paths, channels.
void check_name(std::string_view id, std::string_view what, std::size_t max_bytes, bool may_be_empty) {
  const auto fail = [&](const std::string& why) {
    throw InvalidArgument("deltackpt: " + std::string(what) + " " + why);
  };
  if (id.empty()) {
    if (may_be_empty) return;
    fail("is empty");
  }
  if (id.size() > max_bytes) {
    fail("is " + std::to_string(id.size()) + " bytes, over the limit of " + std::to_string(max_bytes));
  }
  if (id.find('\0') != std::string_view::npos) fail("contains a NUL byte");
  if (detail::valid_utf8_prefix(id) != id.size()) fail("is not valid UTF-8");
}

void check_id(std::string_view id, std::string_view what, const Limits& limits, bool may_be_empty) {
  check_name(id, what, limits.max_id_bytes, may_be_empty);
}

void check_ns(std::string_view ns, const Limits& limits) {
  check_name(ns, "checkpoint_ns", limits.max_namespace_bytes, true);
}

// The key of the chain a (thread, namespace) owns, in maps of heads: ids
// hold no NUL, so the pair is unambiguous.
std::string owner_key(std::string_view thread_id, std::string_view checkpoint_ns) {
  std::string key(thread_id);
  key += '\0';
  key += checkpoint_ns;
  return key;
}

bool same_owner(const RowHeader& h, const Checkpoint& cp) {
  return h.thread_id == cp.thread_id && h.checkpoint_ns == cp.checkpoint_ns;
}

CheckpointInfo to_info(const RowHeader& h, const Limits& limits) {
  return CheckpointInfo{.thread_id = h.thread_id,
                        .checkpoint_ns = h.checkpoint_ns,
                        .checkpoint_id = h.checkpoint_id,
                        .parent_id = h.parent_id,
                        .step = h.step,
                        .created_at = h.created_at,
                        .metadata = detail::parse_metadata(h, limits),
                        .pending_nodes = detail::parse_pending_nodes(h, limits),
                        .kind = h.kind,
                        .base_id = h.base_id,
                        .depth = h.depth,
                        .stored_bytes = h.payload_size,
                        .state_bytes = h.state_size};
}

// The checkpoint `info` describes, with its state.
Checkpoint to_checkpoint(CheckpointInfo info, Json state) {
  return Checkpoint{.thread_id = std::move(info.thread_id),
                    .checkpoint_ns = std::move(info.checkpoint_ns),
                    .checkpoint_id = std::move(info.checkpoint_id),
                    .parent_id = std::move(info.parent_id),
                    .step = info.step,
                    .state = std::move(state),
                    .pending_nodes = std::move(info.pending_nodes),
                    .metadata = std::move(info.metadata),
                    .created_at = info.created_at};
}

Checkpoint to_checkpoint(const RowHeader& h, Json state, const Limits& limits) {
  return to_checkpoint(to_info(h, limits), std::move(state));
}

// The state `held` points to, moved out when nothing else holds it.
Json take_state(std::shared_ptr<const Json> held) {
  if (held.use_count() == 1) return std::move(*std::const_pointer_cast<Json>(held));
  return *held;
}

}  // namespace

// Everything a DeltaCheckpointer keeps between calls, and the steps of a save.
struct DeltaCheckpointer::Impl {
  struct Parent {
    RowHeader header;
    CachedState cached;
    // Its state was not looked for: the cache is under pressure (see
    // resolve_parent), so the save writes a full row and does not cache it.
    bool passed_over = false;
  };
  struct BuiltRow {
    StoredRow row;
    std::optional<Json> delta;  // set for delta rows
    ChainPosition position;     // where the row sits in its chain, for the cache
    // The row's state when check_delta built it from the parent's; the
    // cache keeps it for the next save.
    std::shared_ptr<Json> state_after;
    std::optional<std::uint64_t> fingerprint;  // of the row's state, when known
    // Whether state_after passed validate_value here (see CachedState).
    bool validated = true;
    // The dictionary of the row's chain, for the next delta (see CachedState).
    std::shared_ptr<const ChainDictionary> dictionary;
    // Whether committed() caches the row's state for the next save.
    bool cache_state = true;
  };

  Impl(RowStore& rows, DeltaOptions options) : store(rows), policy(std::move(options)), cache(policy.cache_bytes()) {}

  const Limits& limits() const noexcept { return policy.options().limits; }
  std::size_t validated_state_bytes(const Checkpoint& cp, const std::string& where) const {
    return detail::validate_value(cp.state, detail::ValueLimits{limits().max_depth}, where + ": state");
  }
  // The head this process last saved to or loaded (thread, namespace);
  // empty if none.
  std::string known_head(std::string_view thread_id, std::string_view checkpoint_ns) {
    std::lock_guard lock(heads_mutex);
    const auto it = heads.find(owner_key(thread_id, checkpoint_ns));
    return it == heads.end() ? std::string() : it->second;
  }
  void remember_head(std::string_view thread_id, std::string_view checkpoint_ns, const std::string& id) {
    std::lock_guard lock(heads_mutex);
    heads[owner_key(thread_id, checkpoint_ns)] = id;
  }
  // True when cp.checkpoint_id is stored exactly as `cp` would store it (a
  // retry of a save that succeeded); Conflict when it is stored otherwise;
  // false when it is not stored.
  bool saved_before(const Checkpoint& cp, const SaveOptions& options, const std::string& where);
  // True when the head of (thread, namespace) is no longer `expected` (a
  // Conflict came from a moved head, not from a duplicate id).
  bool head_moved(const Checkpoint& cp, const std::string& expected) {
    const auto head = store.head(cp.thread_id, cp.checkpoint_ns);
    return (head ? head->checkpoint_id : std::string()) != expected;
  }

  // Checks what every save takes but the state; returns the "where" its
  // errors start with.
  std::string check_save(const Checkpoint& cp, const SaveOptions& options, std::string_view op) const;
  // The parent of a save: cp.parent_id, or the head. Its state comes from
  // the cache or is rebuilt from its chain, unless `may_skip_state` and the
  // policy writes a full row on such a miss (full_row_when_cache_is_full).
  std::optional<Parent> resolve_parent(const Checkpoint& cp, bool use_known_head, bool may_skip_state);
  // The parent cp.parent_id names, with its state: cached, or rebuilt.
  Parent parent_with_state(const Checkpoint& cp);
  // One plan and rewrite of prune(); nullopt when nothing goes.
  std::optional<PruneResult> prune_once(std::string_view thread_id, std::string_view checkpoint_ns,
                                        const RetentionPolicy& retention);
  // The state of the last row of `chain`, `wanted_id`. `for_saving`: the
  // result is cached as a parent, so it carries its chain's dictionary when
  // the store compresses deltas against it.
  CachedState rebuild(const std::vector<StoredRow>& chain, std::string_view wanted_id, bool for_saving) const;
  // Validates cp.state and builds its row: a delta against `parent` when the
  // policy allows and it pays, else a full row.
  BuiltRow build_row(const Checkpoint& cp, const std::string& id, Timestamp created,
                     const std::optional<Parent>& parent, const std::string& where) const;
  // A full row of a state already validated at `state_bytes`; its parent is
  // `parent_id` (empty: the store appends it after the head).
  BuiltRow build_full_row(const Checkpoint& cp, const std::string& id, Timestamp created,
                          std::size_t state_bytes, const std::string& parent_id) const {
    BuiltRow built = build_row_header(cp, id, created, state_bytes, parent_id);
    finish_full_row(built, cp.state.dump());
    return built;
  }
  // Stamps `built` (from build_row_header) as a full row of `state_text`, or
  // as a delta row of `delta_text` after `parent`, and encodes its payload.
  void finish_full_row(BuiltRow& built, std::string state_text) const {
    built.position = ChainPosition::of_full_row(built.row.header);
    built.position.stamp(built.row.header);
    const bool keep_dictionary = policy.writes_deltas() && detail::compresses_against_chains(store.payload_encoding());
    std::string dictionary_text = keep_dictionary ? state_text : std::string();
    detail::encode_payload(built.row, std::move(state_text), store.payload_encoding());
    built.dictionary = keep_dictionary ? ChainDictionary::for_writing(std::move(dictionary_text), built.row.header.checksum)
                                       : nullptr;
  }
  void finish_delta_row(BuiltRow& built, const ChainPosition& parent, std::string delta_text,
                        std::shared_ptr<const ChainDictionary> chain) const {
    built.position = parent.after_delta(static_cast<std::int64_t>(delta_text.size()), built.row.header.state_size);
    built.position.stamp(built.row.header);
    detail::encode_payload(built.row, std::move(delta_text), store.payload_encoding(), chain.get());
    built.dictionary = std::move(chain);
  }
  // The parent's state and figures, to become the new checkpoint's: the
  // parent's state itself when nobody else holds it (the cache gives its
  // entry up, or it was never cached), a copy only when it is shared.
  std::shared_ptr<Json> take_parent_state(const std::string& parent_id, CachedState& parent,
                                          detail::StateFigures& figures) {
    std::shared_ptr<const Json> base = std::move(parent.state);
    figures = {parent.position.state_bytes, parent.fingerprint ? *parent.fingerprint : detail::fingerprint(*base)};
    std::shared_ptr<Json> state = cache.take(parent_id, base);
    if (!state && base.use_count() == 1) state = std::const_pointer_cast<Json>(std::move(base));
    if (!state) state = std::make_shared<Json>(*base);
    return state;
  }
  // The header of a row of that state but its chain columns (the caller's
  // to stamp), after checking the state's size limit.
  BuiltRow build_row_header(const Checkpoint& cp, const std::string& id, Timestamp created,
                            std::size_t state_bytes, const std::string& parent_id) const;
  // Applies the delta of `built` to the parent's state and checks that it
  // rebuilds cp.state (delta_rebuilds); if not, turns `built` into a full
  // row and counts it. Takes the parent's cached state when it can.
  void check_delta(const Checkpoint& cp, BuiltRow& built, Parent& parent, const std::string& where);
  // After the store took `built`: counts it, moves the thread's head, and
  // caches its state for the next save. The one way a save ends well.
  void committed(const Checkpoint& cp, BuiltRow& built);

  std::unique_ptr<RowStore> owned_store;
  RowStore& store;
  const detail::DeltaPolicy policy;
  struct {
    std::atomic<std::uint64_t> full_rows{0}, delta_rows{0}, deltas_refused{0}, parents_rebuilt{0};
  } counters;
  detail::StateCache cache;
  std::mutex heads_mutex;
  // The head each (thread, namespace) had after this process's last save to
  // it, by owner_key: the implicit parent of the next save, checked
  // atomically by the store.
  std::unordered_map<std::string, std::string> heads;  // guarded by heads_mutex
};

DeltaCheckpointer::DeltaCheckpointer(RowStore& store, DeltaOptions options)
    : impl_(std::make_unique<Impl>(store, std::move(options))) {}

DeltaCheckpointer::DeltaCheckpointer(std::unique_ptr<RowStore> store, DeltaOptions options) {
  if (!store) throw InvalidArgument("deltackpt: DeltaCheckpointer needs a RowStore");
  impl_ = std::make_unique<Impl>(*store, std::move(options));
  impl_->owned_store = std::move(store);
}

DeltaCheckpointer::~DeltaCheckpointer() = default;

RowStore& DeltaCheckpointer::row_store() noexcept { return impl_->store; }
const DeltaOptions& DeltaCheckpointer::options() const noexcept { return impl_->policy.options(); }

SaveCounters DeltaCheckpointer::counters() const noexcept {
  const auto& c = impl_->counters;
  return {c.full_rows.load(std::memory_order_relaxed), c.delta_rows.load(std::memory_order_relaxed),
          c.deltas_refused.load(std::memory_order_relaxed), c.parents_rebuilt.load(std::memory_order_relaxed)};
}

CacheCounters DeltaCheckpointer::cache_counters() const { return impl_->cache.counters(); }

std::string DeltaCheckpointer::Impl::check_save(const Checkpoint& cp, const SaveOptions& options,
                                                std::string_view op) const {
  check_id(cp.thread_id, "thread_id", limits(), false);
  check_id(cp.checkpoint_id, "checkpoint_id", limits(), true);
  check_id(cp.parent_id, "parent_id", limits(), true);
  check_ns(cp.checkpoint_ns, limits());
  const std::string where = "deltackpt: " + std::string(op) + "(thread=" + cp.thread_id +
                            (cp.checkpoint_ns.empty() ? "" : ", ns=" + cp.checkpoint_ns) + ")";
  if (!cp.metadata.is_object()) {
    throw InvalidArgument(where + ": metadata must be a JSON object, not " + cp.metadata.type_name());
  }
  detail::validate_value(cp.metadata, detail::ValueLimits{limits().max_depth}, where + ": metadata");
  for (const auto& node : cp.pending_nodes) {
    if (detail::valid_utf8_prefix(node) != node.size()) {
      throw InvalidArgument(where + ": a pending node name is not valid UTF-8");
    }
  }
  if (options.root && (options.fork || !cp.parent_id.empty())) {
    throw InvalidArgument(where + ": a root has no parent_id and is not a fork");
  }
  if (options.fork && cp.parent_id.empty()) {
    throw InvalidArgument(where + ": a fork needs a parent_id");
  }
  return where;
}

std::string DeltaCheckpointer::save(const Checkpoint& cp, const SaveOptions& options) {
  Impl& s = *impl_;
  const std::string where = s.check_save(cp, options, "save");
  if (!cp.state.is_object()) {
    throw InvalidArgument(where + ": state must be a JSON object, not " + cp.state.type_name());
  }
  const std::string id = cp.checkpoint_id.empty() ? new_checkpoint_id() : cp.checkpoint_id;
  const Timestamp created = cp.created_at == Timestamp{} ? now() : cp.created_at;

  // Every insert below may find the id taken: by this very checkpoint (a
  // retry whose acknowledgement was lost: success) or by another (Conflict).
  const auto insert = [&](Impl::BuiltRow& built, InsertMode mode) {
    try {
      s.store.insert(built.row, mode);
    } catch (const Conflict&) {
      if (!cp.checkpoint_id.empty() && s.saved_before(cp, options, where)) return false;
      throw;
    }
    s.committed(cp, built);
    return true;
  };
  if (options.root) {
    Impl::BuiltRow root = s.build_full_row(cp, id, created, s.validated_state_bytes(cp, where), "");
    insert(root, InsertMode::kFork);
    return id;
  }
  // An implicit parent means "the latest at save time". A full row lets the
  // store pick the head inside its transaction, so it cannot lose a race; a
  // delta needs its parent's state first, so when another writer moves the
  // head in between, the save follows the new head, a bounded number of
  // times, then falls back to a full row.
  const bool implicit_parent = cp.parent_id.empty();
  const auto append_full_row = [&](std::size_t state_bytes) {
    Impl::BuiltRow full = s.build_full_row(cp, id, created, state_bytes, "");
    insert(full, InsertMode::kAppend);
    return id;
  };
  if (!s.policy.writes_deltas() && implicit_parent) return append_full_row(s.validated_state_bytes(cp, where));
  for (int attempt = 0;; ++attempt) {
    std::optional<Impl::Parent> parent;
    Impl::BuiltRow built;
    const InsertMode mode = options.fork ? InsertMode::kFork : InsertMode::kExtend;
    try {
      parent = s.resolve_parent(cp, /*use_known_head=*/attempt == 0, /*may_skip_state=*/true);
      built = s.build_row(cp, id, created, parent, where);
      built.cache_state = !(parent && parent->passed_over);
      if (built.delta) s.check_delta(cp, built, *parent, where);
      insert(built, mode);
    } catch (const NotFound&) {
      // The head this process saved last is gone (the thread was removed,
      // or repair quarantined it): follow the store's head instead.
      if (implicit_parent && attempt == 0) continue;
      throw;
    } catch (const detail::ChainMoved&) {
      // A compact or prune rewrote the chain this delta was compressed
      // against since the parent was cached: the checkpoint as a full row.
      s.cache.forget(built.row.header.parent_id);
      Impl::BuiltRow full = s.build_full_row(cp, id, created, static_cast<std::size_t>(built.row.header.state_size),
                                             built.row.header.parent_id);
      insert(full, mode);
    } catch (const Conflict&) {
      if (!implicit_parent || !s.head_moved(cp, built.row.header.parent_id)) throw;
      if (attempt + 1 < kHeadRetriesBeforeFullRow) continue;
      return append_full_row(static_cast<std::size_t>(built.row.header.state_size));
    }
    return id;
  }
}

std::string DeltaCheckpointer::save_delta(const Checkpoint& cp, const Json& delta, const SaveOptions& options) {
  Impl& s = *impl_;
  const std::string where = s.check_save(cp, options, "save_delta");
  if (options.root || cp.parent_id.empty()) throw InvalidArgument(where + ": a delta needs the parent_id it applies to");
  detail::validate_delta_values(delta, detail::ValueLimits{s.limits().max_depth}, where);
  const std::string id = cp.checkpoint_id.empty() ? new_checkpoint_id() : cp.checkpoint_id;
  const Timestamp created = cp.created_at == Timestamp{} ? now() : cp.created_at;

  Impl::Parent parent = s.parent_with_state(cp);
  const ChainPosition pos = parent.cached.position;
  const bool parent_validated = parent.cached.validated;
  // What the row stores: the caller's delta, with whole values it sets
  // diffed against the ones they replace where that is smaller.
  const Json stored = detail::smallest_delta(*parent.cached.state, delta, s.policy.options().diff,
                                             detail::ValueLimits{s.limits().max_depth});
  detail::StateFigures figures;
  std::shared_ptr<Json> state = s.take_parent_state(cp.parent_id, parent.cached, figures);
  try {
    detail::apply_delta_with_figures(*state, stored, figures);
  } catch (const Corruption& e) {
    throw InvalidArgument(where + ": the delta does not apply to parent " + cp.parent_id + ": " + e.what());
  } catch (const Json::exception& e) {
    throw InvalidArgument(where + ": the delta does not apply to parent " + cp.parent_id + ": " + e.what());
  }
  if (!state->is_object()) {
    throw InvalidArgument(where + ": the delta makes the state a " + state->type_name() + ", not a JSON object");
  }
  const auto state_bytes = static_cast<std::size_t>(figures.bytes);
  Impl::BuiltRow built = s.build_row_header(cp, id, created, state_bytes, cp.parent_id);
  std::string text = stored.dump();
  if (s.policy.writes_deltas() && s.policy.may_follow(pos) && s.policy.delta_pays(text.size(), state_bytes, pos)) {
    s.finish_delta_row(built, pos, std::move(text), parent.cached.dictionary);
  } else {
    s.finish_full_row(built, state->dump());
  }
  built.state_after = state;
  built.fingerprint = figures.fingerprint;
  built.validated = parent_validated;
  const InsertMode mode = options.fork ? InsertMode::kFork : InsertMode::kExtend;
  try {
    try {
      s.store.insert(built.row, mode);
    } catch (const detail::ChainMoved&) {
      // As in save(): the chain was rewritten since the parent was cached.
      s.cache.forget(cp.parent_id);
      s.finish_full_row(built, state->dump());
      s.store.insert(built.row, mode);
    }
  } catch (const Conflict&) {
    Checkpoint full = cp;
    full.state = *state;
    if (!cp.checkpoint_id.empty() && s.saved_before(full, options, where)) return id;
    throw;
  }
  s.committed(cp, built);
  return id;
}

DeltaCheckpointer::Impl::Parent DeltaCheckpointer::Impl::parent_with_state(const Checkpoint& cp) {
  if (policy.writes_deltas()) {
    if (auto parent = resolve_parent(cp, /*use_known_head=*/false, /*may_skip_state=*/false)) return std::move(*parent);
  }
  // Full rows only: nothing is cached, so the parent is rebuilt.
  const auto chain = store.chain(cp.parent_id);
  if (chain.empty() || !same_owner(chain.back().header, cp)) {
    throw NotFound("deltackpt: save_delta(thread=" + cp.thread_id + "): parent " + cp.parent_id +
                   " is not a checkpoint of this thread" + (cp.checkpoint_ns.empty() ? "" : " and namespace"));
  }
  return Parent{chain.back().header, rebuild(chain, cp.parent_id, true)};
}

bool DeltaCheckpointer::Impl::saved_before(const Checkpoint& cp, const SaveOptions& options,
                                           const std::string& where) {
  const auto h = store.header(cp.checkpoint_id);
  if (!h) return false;
  // Exactly as saved: every column the caller chose, and the state to the
  // byte of its JSON text (which tells 1 from 1.0 and keeps key order).
  const bool parent_as_asked = options.root ? h->parent_id.empty()
                               : cp.parent_id.empty() ? true
                                                      : h->parent_id == cp.parent_id;
  bool same = same_owner(*h, cp) && parent_as_asked && h->step == cp.step &&
              h->metadata == cp.metadata.dump() && h->pending_nodes == pending_to_text(cp.pending_nodes) &&
              (cp.created_at == Timestamp{} || h->created_at == cp.created_at);
  if (same) {
    const std::string text = cp.state.dump();
    same = h->state_size == static_cast<std::int64_t>(text.size()) &&
           rebuild(store.chain(cp.checkpoint_id), cp.checkpoint_id, false).state->dump() == text;
  }
  if (!same) {
    throw Conflict(where + ": checkpoint " + cp.checkpoint_id +
                   " exists with other content (a checkpoint is never overwritten: later rows may be "
                   "deltas against its state)");
  }
  return true;
}

void DeltaCheckpointer::Impl::check_delta(const Checkpoint& cp, BuiltRow& built, Parent& parent,
                                          const std::string& where) {
  const RowHeader& h = built.row.header;
  const detail::StateFigures wanted{h.state_size, detail::fingerprint(cp.state)};
  // The parent's state is about to be this checkpoint's, the next save's parent.
  detail::StateFigures base_figures;
  std::shared_ptr<Json> state = take_parent_state(h.parent_id, parent.cached, base_figures);
  if (detail::delta_rebuilds(*state, base_figures, *built.delta, wanted)) {
    built.state_after = std::move(state);
    built.fingerprint = wanted.fingerprint;
    return;
  }
  // A delta that would not load back as cp.state is never written.
  counters.deltas_refused.fetch_add(1, std::memory_order_relaxed);
  const std::string id = h.checkpoint_id, parent_id = h.parent_id;
  const Timestamp created = h.created_at;
  built = build_full_row(cp, id, created, validated_state_bytes(cp, where), parent_id);
  built.fingerprint = wanted.fingerprint;
}

void DeltaCheckpointer::Impl::committed(const Checkpoint& cp, BuiltRow& built) {
  const RowHeader& h = built.row.header;
  (h.kind == RowKind::kDelta ? counters.delta_rows : counters.full_rows).fetch_add(1, std::memory_order_relaxed);
  if (!policy.writes_deltas()) return;
  remember_head(cp.thread_id, cp.checkpoint_ns, h.checkpoint_id);
  if (policy.cache_bytes() == 0 || !built.cache_state) return;
  if (!built.state_after) {
    // A full row after its parent: the next save diffs against this state,
    // so the parent's is let go rather than left to fill the cache.
    if (!h.parent_id.empty()) cache.forget(h.parent_id);
    built.state_after = std::make_shared<Json>(cp.state);
  }
  cache.put(h.checkpoint_id,
            CachedState{built.position, std::move(built.state_after), built.validated, built.fingerprint,
                        std::move(built.dictionary)});
}

std::optional<DeltaCheckpointer::Impl::Parent> DeltaCheckpointer::Impl::resolve_parent(const Checkpoint& cp,
                                                                                       bool use_known_head,
                                                                                       bool may_skip_state) {
  Parent parent;
  parent.header.checkpoint_id = cp.parent_id;
  if (parent.header.checkpoint_id.empty() && use_known_head) {
    parent.header.checkpoint_id = known_head(cp.thread_id, cp.checkpoint_ns);
  }
  if (parent.header.checkpoint_id.empty()) {
    auto head = store.head(cp.thread_id, cp.checkpoint_ns);
    if (!head) return std::nullopt;
    parent.header = std::move(*head);
  }
  if (!policy.writes_deltas()) return parent;  // the store checks that the parent exists

  const std::string& parent_id = parent.header.checkpoint_id;
  if (auto cached = cache.get(parent_id);
      cached && cached->position.thread_id == cp.thread_id && cached->position.checkpoint_ns == cp.checkpoint_ns) {
    parent.cached = std::move(*cached);
    return parent;
  }
  if (may_skip_state && policy.options().full_row_when_cache_is_full && cache.under_pressure()) {
    // More live threads than the cache holds: replaying the parent would
    // cost more than writing the state whole, and caching either would
    // evict a head that another save is about to use. The store checks
    // that the parent exists.
    parent.passed_over = true;
    return parent;
  }
  const auto chain = store.chain(parent_id);
  if (chain.empty() || !same_owner(chain.back().header, cp)) {
    throw NotFound("deltackpt: save(thread=" + cp.thread_id + "): parent " + parent_id +
                   " is not a checkpoint of this thread" + (cp.checkpoint_ns.empty() ? "" : " and namespace"));
  }
  parent.cached = rebuild(chain, parent_id, true);
  counters.parents_rebuilt.fetch_add(1, std::memory_order_relaxed);
  cache.put(parent_id, parent.cached);
  return parent;
}

DeltaCheckpointer::Impl::BuiltRow DeltaCheckpointer::Impl::build_row(const Checkpoint& cp, const std::string& id,
                                                                     Timestamp created,
                                                                     const std::optional<Parent>& parent,
                                                                     const std::string& where) const {
  const std::string parent_id = parent ? parent->header.checkpoint_id : std::string();
  if (!policy.writes_deltas() || !parent || !parent->cached.state || !policy.may_follow(parent->cached.position)) {
    return build_full_row(cp, id, created, validated_state_bytes(cp, where), parent_id);
  }
  const ChainPosition& pos = parent->cached.position;
  const Json& parent_state = *parent->cached.state;
  std::optional<Json> delta;
  std::size_t state_bytes = 0;
  if (parent->cached.validated) {
    // O(change): what the new state shares with its valid parent is neither
    // checked nor sized again.
    auto measured = detail::diff_measured(parent_state, static_cast<std::size_t>(pos.state_bytes), cp.state,
                                          policy.options().diff, detail::ValueLimits{limits().max_depth},
                                          policy.size_limit());
    if (measured.too_large) {  // a full row: checked whole, and not diffed again
      return build_full_row(cp, id, created, validated_state_bytes(cp, where), parent_id);
    }
    if (measured.to_valid) {
      delta = std::move(measured.delta);
      state_bytes = measured.to_bytes;
    }
  }
  if (!delta) {  // validate_value throws, naming what is wrong, if anything is
    state_bytes = validated_state_bytes(cp, where);
    delta = diff(parent_state, cp.state, policy.options().diff);
  }
  std::string text = delta->dump();
  if (!policy.delta_pays(text.size(), state_bytes, pos)) {
    return build_full_row(cp, id, created, state_bytes, parent_id);
  }
  BuiltRow built = build_row_header(cp, id, created, state_bytes, parent_id);
  built.delta = std::move(delta);
  finish_delta_row(built, pos, std::move(text), parent->cached.dictionary);
  return built;
}

DeltaCheckpointer::Impl::BuiltRow DeltaCheckpointer::Impl::build_row_header(const Checkpoint& cp,
                                                                            const std::string& id,
                                                                            Timestamp created,
                                                                            std::size_t state_bytes,
                                                                            const std::string& parent_id) const {
  detail::check_state_bytes(state_bytes, limits().max_state_bytes,
                            "deltackpt: save(thread=" + cp.thread_id + "): the state");
  BuiltRow built;
  RowHeader& h = built.row.header;
  h.thread_id = cp.thread_id;
  h.checkpoint_ns = cp.checkpoint_ns;
  h.checkpoint_id = id;
  h.parent_id = parent_id;
  h.step = cp.step;
  h.created_at = created;
  h.metadata = cp.metadata.dump();
  h.pending_nodes = pending_to_text(cp.pending_nodes);
  h.state_size = static_cast<std::int64_t>(state_bytes);
  return built;
}

CachedState DeltaCheckpointer::Impl::rebuild(const std::vector<StoredRow>& chain, std::string_view wanted_id,
                                             bool for_saving) const {
  const StoredRow& first = chain.front();
  if (first.header.kind != RowKind::kFull) {
    detail::throw_row_corruption(first.header, "the row its delta is against (" + first.header.parent_id +
                                                   ") is missing: the chain has no full row");
  }
  using detail::KeepDictionary;
  const KeepDictionary keep =
      for_saving && policy.writes_deltas() && detail::compresses_against_chains(store.payload_encoding())
          ? KeepDictionary::kForWriting
      : detail::has_chain_deltas(chain, first.header.checkpoint_id) ? KeepDictionary::kForReading
                                                                    : KeepDictionary::kNo;
  detail::FullRowState full = detail::read_full_row(first, limits(), keep);
  Json state = std::move(full.state);
  CachedState result;
  result.position = ChainPosition::of_full_row(first.header);
  for (std::size_t i = 1; i < chain.size(); ++i) {
    const RowHeader& h = chain[i].header;
    if (h.kind != RowKind::kDelta || h.parent_id != chain[i - 1].header.checkpoint_id) {
      detail::throw_row_corruption(h, "delta chain is broken at this row");
    }
    const std::size_t delta_bytes = detail::apply_row_delta(state, chain[i], limits(), full.dictionary.get());
    result.position = result.position.after_delta(static_cast<std::int64_t>(delta_bytes), h.state_size);
  }
  if (keep == KeepDictionary::kForWriting) result.dictionary = std::move(full.dictionary);
  const RowHeader& last = chain.back().header;
  if (last.checkpoint_id != wanted_id) detail::throw_row_corruption(last, "chain query returned the wrong row");
  // A replay that went wrong (a delta applied to the wrong base) almost
  // always changes the size, and checking it costs far less than the parse.
  if (static_cast<std::int64_t>(serialized_size(state)) != last.state_size) {
    detail::throw_row_corruption(last, "rebuilt state does not have the recorded size");
  }
  result.position.thread_id = last.thread_id;
  result.position.checkpoint_ns = last.checkpoint_ns;
  result.state = std::make_shared<Json>(std::move(state));
  return result;
}

std::optional<Checkpoint> DeltaCheckpointer::load(std::string_view thread_id, std::string_view checkpoint_ns) {
  Impl& s = *impl_;
  check_id(thread_id, "thread_id", s.limits(), false);
  check_ns(checkpoint_ns, s.limits());
  if (const std::string known = s.known_head(thread_id, checkpoint_ns); !known.empty()) {
    // This process saved the head it knows of; if it is still the head, its
    // state is in the cache and nothing needs replaying.
    if (auto cached = s.cache.get(known)) {
      const auto head = s.store.head(thread_id, checkpoint_ns);
      if (!head) return std::nullopt;
      if (head->checkpoint_id == known) return to_checkpoint(*head, *cached->state, s.limits());
      return load_by_id(head->checkpoint_id);
    }
  }
  const auto chain = s.store.head_chain(thread_id, checkpoint_ns);
  if (chain.empty()) return std::nullopt;
  const RowHeader& last = chain.back().header;
  CachedState rebuilt = s.rebuild(chain, last.checkpoint_id, true);
  Checkpoint cp = to_checkpoint(last, *rebuilt.state, s.limits());
  if (s.policy.cache_bytes() != 0) {
    // Cached as the next save's parent (a stateless worker loads, then
    // saves a few steps: those are hits), and found by the next load.
    s.remember_head(thread_id, checkpoint_ns, last.checkpoint_id);
    s.cache.put(last.checkpoint_id, std::move(rebuilt));
  }
  return cp;
}

std::optional<Checkpoint> DeltaCheckpointer::load_by_id(std::string_view checkpoint_id) {
  Impl& s = *impl_;
  check_id(checkpoint_id, "checkpoint_id", s.limits(), false);
  if (auto cached = s.cache.get(checkpoint_id)) {
    const auto header = s.store.header(checkpoint_id);
    if (!header) return std::nullopt;
    return to_checkpoint(*header, *cached->state, s.limits());
  }
  const auto chain = s.store.chain(checkpoint_id);
  if (chain.empty()) return std::nullopt;
  // Not cached: browsing history would fill the cache with states no save
  // diffs against (a fork from this one reads its chain once when it saves).
  CachedState rebuilt = s.rebuild(chain, checkpoint_id, false);
  return to_checkpoint(chain.back().header, take_state(std::move(rebuilt.state)), s.limits());
}

std::optional<CheckpointInfo> DeltaCheckpointer::info(std::string_view checkpoint_id) {
  Impl& s = *impl_;
  check_id(checkpoint_id, "checkpoint_id", s.limits(), false);
  const auto header = s.store.header(checkpoint_id);
  if (!header) return std::nullopt;
  return to_info(*header, s.limits());
}

std::vector<CheckpointInfo> DeltaCheckpointer::list(const ListOptions& options) {
  Impl& s = *impl_;
  if (options.thread_id) check_id(*options.thread_id, "thread_id", s.limits(), false);
  if (options.checkpoint_ns) check_ns(*options.checkpoint_ns, s.limits());
  check_id(options.before, "before", s.limits(), true);
  if (!options.metadata_filter.is_object()) {
    throw InvalidArgument("deltackpt: list(): metadata_filter must be a JSON object");
  }
  HeaderQuery query{.thread_id = options.thread_id,
                    .checkpoint_ns = options.checkpoint_ns,
                    .order = options.order,
                    .before_id = options.before,
                    .limit = 0,
                    .metadata_filter = options.metadata_filter};
  // The store may narrow by metadata but never exactly: every row is checked
  // here, a page at a time, until the limit is reached.
  std::vector<CheckpointInfo> out;
  const bool filtering = !options.metadata_filter.empty();
  while (true) {
    query.limit = filtering ? kListPage : options.limit;
    const auto headers = s.store.headers(query);
    for (const auto& h : headers) {
      CheckpointInfo info = to_info(h, s.limits());
      if (filtering && !metadata_matches(info.metadata, options.metadata_filter)) continue;
      out.push_back(std::move(info));
      if (options.limit != 0 && out.size() == options.limit) return out;
    }
    if (!filtering || headers.size() < query.limit) return out;
    query.before_id = headers.back().checkpoint_id;
  }
}

std::vector<ListedCheckpoint> DeltaCheckpointer::list_states(const ListOptions& options) {
  Impl& s = *impl_;
  const std::vector<CheckpointInfo> page = list(options);
  std::vector<std::optional<Checkpoint>> found(page.size());
  // States the cache holds (the heads this process saved or loaded: what a
  // runtime's "latest" asks for) need no replay; the rest of the page is
  // rebuilt with one query for all their chains and one forward pass.
  std::vector<std::string> ids;
  std::unordered_map<std::string, std::size_t> listed;
  for (std::size_t i = 0; i < page.size(); ++i) {
    if (auto cached = s.cache.get(page[i].checkpoint_id)) {
      found[i] = to_checkpoint(page[i], *cached->state);
      continue;
    }
    ids.push_back(page[i].checkpoint_id);
    listed.emplace(page[i].checkpoint_id, i);
  }
  if (ids.size() == 1) {
    // One checkpoint to rebuild, as a runtime's "latest" after a restart
    // asks: if it is its namespace's head, it is rebuilt and cached as
    // load() does, so the saves that follow diff against it.
    const std::size_t i = listed.begin()->second;
    const auto head = s.store.head(page[i].thread_id, page[i].checkpoint_ns);
    if (head && head->checkpoint_id == ids.front()) {
      if (const auto chain = s.store.chain(ids.front()); !chain.empty()) {
        CachedState rebuilt = s.rebuild(chain, ids.front(), true);
        found[i] = to_checkpoint(page[i], *rebuilt.state);
        s.cache.put(ids.front(), std::move(rebuilt));
        ids.clear();
      }
    }
  }
  const auto rows = ids.empty() ? std::vector<StoredRow>{} : s.store.chains(ids);
  detail::ForwardReplay replay(rows, s.limits());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    auto step = replay.next(i);
    const auto it = listed.find(rows[i].header.checkpoint_id);
    if (it == listed.end()) continue;
    step.parent.reset();
    found[it->second] = to_checkpoint(rows[i].header, take_state(std::move(step.state)), s.limits());
  }
  std::vector<CheckpointKey> keys;
  std::vector<ListedCheckpoint> out;
  out.reserve(page.size());
  for (std::size_t i = 0; i < page.size(); ++i) {
    // Removed (by another process) between the two queries: not listed.
    if (!found[i]) continue;
    if (options.with_writes) keys.push_back({found[i]->thread_id, found[i]->checkpoint_ns, found[i]->checkpoint_id});
    out.push_back(ListedCheckpoint{std::move(*found[i]), {}});
  }
  if (options.with_writes) {
    std::size_t at = 0;
    for (auto& w : s.store.writes(keys)) {
      while (at < out.size() && out[at].checkpoint.checkpoint_id != w.key.checkpoint_id) ++at;
      if (at == out.size()) break;
      out[at].writes.push_back(detail::decode_write(std::move(w), s.limits()));
    }
  }
  return out;
}

std::vector<Checkpoint> DeltaCheckpointer::history(std::string_view thread_id, std::string_view checkpoint_ns) {
  Impl& s = *impl_;
  check_id(thread_id, "thread_id", s.limits(), false);
  check_ns(checkpoint_ns, s.limits());
  // Chains never cross namespaces, so one namespace's rows replay alone.
  auto rows = s.store.rows(thread_id);
  std::erase_if(rows, [&](const StoredRow& r) { return r.header.checkpoint_ns != checkpoint_ns; });
  detail::ForwardReplay replay(rows, s.limits());
  std::vector<std::shared_ptr<const Json>> states;
  states.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) states.push_back(replay.next(i).state);
  // The replay has let go of every state by now: each moves out uncopied.
  std::vector<Checkpoint> out;
  out.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out.push_back(to_checkpoint(rows[i].header, take_state(std::move(states[i])), s.limits()));
  }
  return out;
}

std::vector<std::string> DeltaCheckpointer::threads() { return impl_->store.threads(); }

std::vector<std::string> DeltaCheckpointer::namespaces(std::string_view thread_id) {
  check_id(thread_id, "thread_id", impl_->limits(), false);
  return impl_->store.namespaces(thread_id);
}

std::size_t DeltaCheckpointer::remove_thread(std::string_view thread_id) {
  Impl& s = *impl_;
  check_id(thread_id, "thread_id", s.limits(), false);
  const std::size_t removed = s.store.remove_thread(thread_id);
  s.cache.forget_thread(thread_id);
  std::lock_guard lock(s.heads_mutex);
  const std::string prefix = owner_key(thread_id, "");
  std::erase_if(s.heads, [&](const auto& head) { return head.first.starts_with(prefix); });
  return removed;
}

PruneResult DeltaCheckpointer::prune(std::string_view thread_id, std::string_view checkpoint_ns,
                                     const RetentionPolicy& policy) {
  Impl& s = *impl_;
  check_id(thread_id, "thread_id", s.limits(), false);
  check_ns(checkpoint_ns, s.limits());
  if (policy.max_age && policy.max_age->count() < 0) {
    throw InvalidArgument("deltackpt: prune(thread=" + std::string(thread_id) + "): max_age is negative (" +
                          std::to_string(policy.max_age->count()) + " us)");
  }
  // A writer may save a delta compressed against rows this plan rewrites
  // (ChainMoved): plan again from the rows as they are then.
  for (int attempt = 1;; ++attempt) {
    try {
      return s.prune_once(thread_id, checkpoint_ns, policy).value_or(PruneResult{});
    } catch (const detail::ChainMoved&) {
      if (attempt == kRewriteAttempts) throw;
    }
  }
}

std::optional<PruneResult> DeltaCheckpointer::Impl::prune_once(std::string_view thread_id,
                                                               std::string_view checkpoint_ns,
                                                               const RetentionPolicy& retention) {
  auto rows = store.rows(thread_id);
  std::erase_if(rows, [&](const StoredRow& r) { return r.header.checkpoint_ns != checkpoint_ns; });
  std::vector<RowHeader> headers;
  headers.reserve(rows.size());
  for (const auto& row : rows) headers.push_back(row.header);
  const detail::PrunePlan plan = detail::plan_prune(headers, retention, now());
  if (plan.remove.empty()) return std::nullopt;

  std::vector<StoredRow> replace;
  replace.reserve(plan.changes.size());
  const std::string_view encoding = store.payload_encoding();
  // Only the chains of the rows rewritten from their state are replayed,
  // so a damaged row that goes (and that nothing kept needs) does not stop
  // the prune that removes it.
  const auto replays = [&](const detail::PrunePlan::Change& change) {
    const StoredRow& old = rows[change.index];
    return change.becomes_full ||
           (old.header.encoding == detail::kZstdChainEncoding && change.header.base_id != old.header.base_id);
  };
  std::unordered_map<std::string_view, std::size_t> index_of;
  for (std::size_t i = 0; i < rows.size(); ++i) index_of.emplace(rows[i].header.checkpoint_id, i);
  std::vector<bool> needed(rows.size(), false);
  for (const auto& change : plan.changes) {
    if (!replays(change)) continue;
    for (std::size_t i = change.index; !needed[i];) {
      needed[i] = true;
      if (rows[i].header.kind == RowKind::kFull) break;
      const auto parent = index_of.find(rows[i].header.parent_id);
      if (parent == index_of.end()) break;  // the replay reports it, naming the row
      i = parent->second;
    }
  }
  std::size_t replayed = 0;
  detail::ForwardReplay replay(rows, limits());
  // Replays the needed rows up to row `index` (parents come first) and
  // returns its step.
  detail::ForwardReplay::Step step;
  const auto replay_to = [&](std::size_t index) {
    for (; replayed <= index; ++replayed) {
      if (needed[replayed]) step = replay.next(replayed);
    }
    return step;
  };
  // The new full rows, as dictionaries for the zstd-chain deltas after them.
  std::unordered_map<std::string, std::shared_ptr<const ChainDictionary>> new_bases;
  for (const auto& change : plan.changes) {
    StoredRow row;
    row.header = change.header;
    const StoredRow& old = rows[change.index];
    if (change.becomes_full) {
      std::string text = replay_to(change.index).state->dump();
      std::string dictionary_text = detail::compresses_against_chains(encoding) ? text : std::string();
      detail::encode_payload(row, std::move(text), encoding);
      if (!dictionary_text.empty()) {
        new_bases[row.header.checkpoint_id] =
            ChainDictionary::for_writing(std::move(dictionary_text), row.header.checksum);
      }
    } else if (replays(change)) {
      // Compressed against a full row that goes: against the new one now.
      const auto was = replay_to(change.index).dictionary;
      const auto base = new_bases.find(row.header.base_id);
      detail::encode_payload(row, detail::payload_text(old, limits(), was.get()), encoding,
                             base == new_bases.end() ? nullptr : base->second.get());
    } else {
      row.payload = old.payload;
    }
    replace.push_back(std::move(row));
  }
  store.rewrite(thread_id, replace, plan.remove);
  cache.forget_thread(thread_id);
  return PruneResult{plan.remove.size(), plan.rewritten_as_full()};
}

void DeltaCheckpointer::put_writes(const CheckpointKey& key, const std::vector<PendingWrite>& writes) {
  const Limits& limits = impl_->limits();
  check_id(key.thread_id, "thread_id", limits, false);
  check_ns(key.checkpoint_ns, limits);
  check_id(key.checkpoint_id, "checkpoint_id", limits, false);
  bool all_special = !writes.empty();
  for (const auto& w : writes) {
    check_id(w.task_id, "task_id", limits, false);
    check_name(w.task_path, "task_path", limits.max_namespace_bytes, true);
    check_id(w.channel, "channel", limits, false);
    check_id(w.type, "type", limits, true);
    if (w.value.size() > limits.max_state_bytes) {
      throw InvalidArgument("deltackpt: put_writes(task=" + w.task_id + "): value is " +
                            std::to_string(w.value.size()) + " bytes, over the limit of " +
                            std::to_string(limits.max_state_bytes));
    }
    all_special = all_special && w.idx < 0;
  }
  if (writes.empty()) return;
  std::vector<EncodedWrite> encoded;
  encoded.reserve(writes.size());
  for (const auto& w : writes) encoded.push_back(detail::encode_write(w, impl_->store.payload_encoding()));
  impl_->store.put_writes(key, encoded, /*replace=*/all_special);
}

std::vector<PendingWrite> DeltaCheckpointer::writes(const CheckpointKey& key) {
  const Limits& limits = impl_->limits();
  check_id(key.thread_id, "thread_id", limits, false);
  check_ns(key.checkpoint_ns, limits);
  check_id(key.checkpoint_id, "checkpoint_id", limits, false);
  std::vector<PendingWrite> out;
  for (auto& w : impl_->store.writes({key})) out.push_back(detail::decode_write(std::move(w), limits));
  return out;
}

}  // namespace deltackpt
