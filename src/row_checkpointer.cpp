// Saving, loading and pruning checkpoints as rows of a RowStore.
#include "row_checkpointer.hpp"

#include <algorithm>
#include <unordered_map>

#include "deltackpt/diff.hpp"
#include "deltackpt/errors.hpp"
#include "diff/measured_diff.hpp"
#include "json_internal.hpp"
#include "replay.hpp"
#include "row_codec.hpp"
#include "state_figures.hpp"
#include "write_policy.hpp"

namespace deltackpt::detail {
namespace {

// Rows fetched per page while filtering list() results on metadata.
constexpr std::size_t kListPage = 256;
// How often a delta save with an implicit parent follows a head that other
// writers keep moving before it writes a full row instead (which the store
// appends after any head, so it cannot lose the race).
constexpr int kHeadRetriesBeforeFullRow = 3;

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

}  // namespace

RowCheckpointer::RowCheckpointer(RowStore& store, DeltaOptions options, bool write_deltas)
    : store_(store),
      options_(std::move(options)),
      write_deltas_(write_deltas),
      cache_(write_deltas ? options_.cache_bytes : 0) {
  if (write_deltas_ && options_.full_snapshot_interval == 0) {
    throw InvalidArgument("deltackpt: DeltaOptions.full_snapshot_interval must be at least 1");
  }
  if (!(options_.replay_budget >= 0.0)) {
    throw InvalidArgument("deltackpt: DeltaOptions.replay_budget must be >= 0");
  }
  if (!(options_.max_delta_fraction >= 0.0)) {
    throw InvalidArgument("deltackpt: DeltaOptions.max_delta_fraction must be >= 0");
  }
}

RowCheckpointer::RowCheckpointer(std::unique_ptr<RowStore> store, DeltaOptions options,
                                 bool write_deltas)
    : RowCheckpointer(*store, std::move(options), write_deltas) {
  owned_store_ = std::move(store);
}

namespace {

void check_id(std::string_view id, std::string_view what, const Limits& limits, bool may_be_empty) {
  const auto fail = [&](const std::string& why) {
    throw InvalidArgument("deltackpt: " + std::string(what) + " " + why);
  };
  if (id.empty()) {
    if (may_be_empty) return;
    fail("is empty");
  }
  if (id.size() > limits.max_id_bytes) {
    fail("is " + std::to_string(id.size()) + " bytes, over the limit of " +
         std::to_string(limits.max_id_bytes));
  }
  if (id.find('\0') != std::string_view::npos) fail("contains a NUL byte");
  if (valid_utf8_prefix(id) != id.size()) fail("is not valid UTF-8");
}

}  // namespace

void RowCheckpointer::validate_ids(const Checkpoint& cp) const {
  check_id(cp.thread_id, "thread_id", options_.limits, false);
  check_id(cp.checkpoint_id, "checkpoint_id", options_.limits, true);
  check_id(cp.parent_id, "parent_id", options_.limits, true);
}

std::string RowCheckpointer::save(const Checkpoint& cp, const SaveOptions& options) {
  validate_ids(cp);
  const std::string where = "deltackpt: save(thread=" + cp.thread_id + ")";
  if (!cp.state.is_object()) {
    throw InvalidArgument(where + ": state must be a JSON object, not " + cp.state.type_name());
  }
  if (!cp.metadata.is_object()) {
    throw InvalidArgument(where + ": metadata must be a JSON object, not " + cp.metadata.type_name());
  }
  validate_value(cp.metadata, ValueLimits{options_.limits.max_depth}, where + ": metadata");
  for (const auto& node : cp.pending_nodes) {
    if (valid_utf8_prefix(node) != node.size()) {
      throw InvalidArgument(where + ": a pending node name is not valid UTF-8");
    }
  }
  if (options.fork && cp.parent_id.empty()) {
    throw InvalidArgument(where + ": a fork needs a parent_id");
  }
  const std::string id = cp.checkpoint_id.empty() ? new_checkpoint_id() : cp.checkpoint_id;
  const Timestamp created = cp.created_at == Timestamp{} ? now() : cp.created_at;

  // An implicit parent means "the latest at save time". Full rows let the
  // store pick the head inside its transaction; a delta needs its parent's
  // state first, so when another writer moves the head in between, the save
  // follows the new head, a bounded number of times.
  const bool implicit_parent = cp.parent_id.empty();
  if (!write_deltas_ && implicit_parent) {
    BuiltRow built = build_full_row(cp, id, created, validated_state_bytes(cp, where), "");
    store_.insert(built.row, InsertMode::kAppend);
    committed(cp, built);
    return id;
  }
  for (int attempt = 0;; ++attempt) {
    auto parent = resolve_parent(cp, /*use_head_cache=*/attempt == 0);
    BuiltRow built = build_row(cp, id, created, parent, where);
    if (built.delta) check_delta(cp, built, *parent, where);
    try {
      store_.insert(built.row, options.fork ? InsertMode::kFork : InsertMode::kExtend);
    } catch (const Conflict&) {
      if (!implicit_parent || !head_moved(cp.thread_id, built.row.header.parent_id)) throw;
      if (attempt + 1 < kHeadRetriesBeforeFullRow) continue;
      // Other writers keep moving the head: a full row needs no parent state,
      // so the store can append it after whatever the head is, without a race.
      const auto state_bytes = static_cast<std::size_t>(built.row.header.state_size);
      BuiltRow full = build_full_row(cp, id, created, state_bytes, "");
      store_.insert(full.row, InsertMode::kAppend);
      committed(cp, full);
      return id;
    }
    committed(cp, built);
    return id;
  }
}

std::size_t RowCheckpointer::validated_state_bytes(const Checkpoint& cp,
                                                   const std::string& where) const {
  return validate_value(cp.state, ValueLimits{options_.limits.max_depth}, where + ": state");
}

bool delta_rebuilds(Json& state, StateFigures figures, const Json& delta, StateFigures wanted) {
  try {
    apply_delta_with_figures(state, delta, figures);
  } catch (const Error&) {
    return false;  // it does not even fit
  } catch (const Json::exception&) {
    return false;
  }
  return figures == wanted;
}

void RowCheckpointer::check_delta(const Checkpoint& cp, BuiltRow& built, Parent& parent,
                                  const std::string& where) {
  const RowHeader h = built.row.header;
  const StateFigures wanted{h.state_size, fingerprint(cp.state)};
  std::shared_ptr<const Json> base = std::move(parent.cached.state);
  const StateFigures base_figures{
      parent.cached.position.state_bytes,
      parent.cached.fingerprint ? *parent.cached.fingerprint : fingerprint(*base)};
  // The cached parent itself, when nobody else holds it: it is about to be
  // this checkpoint's state, the next save's parent.
  std::shared_ptr<Json> state = cache_.take(h.parent_id, base);
  if (!state) state = std::make_shared<Json>(*base);
  if (delta_rebuilds(*state, base_figures, *built.delta, wanted)) {
    built.state_after = std::move(state);
    built.fingerprint = wanted.fingerprint;
    return;
  }
  // A delta that would not load back as cp.state is never written.
  counters_.deltas_refused.fetch_add(1, std::memory_order_relaxed);
  built = build_full_row(cp, h.checkpoint_id, h.created_at, validated_state_bytes(cp, where),
                         h.parent_id);
  built.fingerprint = wanted.fingerprint;
}

void RowCheckpointer::committed(const Checkpoint& cp, BuiltRow& built) {
  const RowHeader& h = built.row.header;
  (h.kind == RowKind::kDelta ? counters_.delta_rows : counters_.full_rows)
      .fetch_add(1, std::memory_order_relaxed);
  if (!write_deltas_) return;
  {
    std::lock_guard lock(heads_mutex_);
    heads_[cp.thread_id] = h.checkpoint_id;
  }
  if (options_.cache_bytes == 0) return;
  if (!built.state_after) {
    // A full row after its parent: the next save diffs against this state,
    // so the parent's is let go rather than left to fill the cache.
    if (!h.parent_id.empty()) cache_.forget(h.parent_id);
    built.state_after = std::make_shared<Json>(cp.state);
  }
  cache_.put(h.checkpoint_id,
             CachedState{built.position, std::move(built.state_after), /*validated=*/true, built.fingerprint});
}

SaveCounters RowCheckpointer::counters() const noexcept {
  return {counters_.full_rows.load(std::memory_order_relaxed),
          counters_.delta_rows.load(std::memory_order_relaxed),
          counters_.deltas_refused.load(std::memory_order_relaxed)};
}

bool RowCheckpointer::head_moved(const std::string& thread_id, const std::string& expected) {
  const auto head = store_.head(thread_id);
  const std::string actual = head ? head->checkpoint_id : std::string();
  return actual != expected;
}

std::optional<RowCheckpointer::Parent> RowCheckpointer::resolve_parent(const Checkpoint& cp,
                                                                      bool use_head_cache) {
  Parent parent;
  parent.header.checkpoint_id = cp.parent_id;
  if (parent.header.checkpoint_id.empty() && use_head_cache) {
    std::lock_guard lock(heads_mutex_);
    if (const auto it = heads_.find(cp.thread_id); it != heads_.end()) {
      parent.header.checkpoint_id = it->second;
    }
  }
  if (parent.header.checkpoint_id.empty()) {
    auto head = store_.head(cp.thread_id);
    if (!head) return std::nullopt;
    parent.header = std::move(*head);
  }
  if (!write_deltas_) return parent;  // the store checks that the parent exists

  const std::string& parent_id = parent.header.checkpoint_id;
  if (auto cached = cache_.get(parent_id); cached && cached->position.thread_id == cp.thread_id) {
    parent.cached = std::move(*cached);
    return parent;
  }
  const auto chain = store_.chain(parent_id);
  if (chain.empty() || chain.back().header.thread_id != cp.thread_id) {
    throw NotFound("deltackpt: save(thread=" + cp.thread_id + "): parent " + parent_id +
                   " is not a checkpoint of this thread");
  }
  parent.cached = rebuild(chain, parent_id);
  cache_.put(parent_id, parent.cached);
  return parent;
}

RowCheckpointer::BuiltRow RowCheckpointer::build_row(const Checkpoint& cp, const std::string& id,
                                                     Timestamp created,
                                                     const std::optional<Parent>& parent,
                                                     const std::string& where) {
  const std::string parent_id = parent ? parent->header.checkpoint_id : std::string();
  const bool may_diff = write_deltas_ && parent && parent->cached.state &&
                        static_cast<std::size_t>(parent->cached.position.depth) + 1 <
                            options_.full_snapshot_interval;
  if (!may_diff) return build_full_row(cp, id, created, validated_state_bytes(cp, where), parent_id);

  const ChainPosition& pos = parent->cached.position;
  const Json& parent_state = *parent->cached.state;
  std::optional<Json> delta;
  std::size_t state_bytes = 0;
  if (parent->cached.validated) {
    // O(change): what the new state shares with its valid parent is neither
    // checked nor sized again.
    auto measured = diff_measured(parent_state, static_cast<std::size_t>(pos.state_bytes), cp.state,
                                  options_.diff, ValueLimits{options_.limits.max_depth},
                                  options_.max_delta_fraction, kAlwaysSmallDeltaBytes);
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
    delta = diff(parent_state, cp.state, options_.diff);
  }
  std::string text = delta->dump();
  if (!delta_pays(options_, text.size(), state_bytes, pos.chain_delta_bytes, pos.base_bytes)) {
    return build_full_row(cp, id, created, state_bytes, parent_id);
  }

  BuiltRow built = build_full_row_header(cp, id, created, state_bytes, parent_id);
  RowHeader& h = built.row.header;
  h.kind = RowKind::kDelta;
  h.base_id = pos.base_id;
  h.depth = pos.depth + 1;
  built.position.base_id = pos.base_id;
  built.position.depth = h.depth;
  built.position.chain_delta_bytes = pos.chain_delta_bytes + static_cast<std::int64_t>(text.size());
  built.position.base_bytes = pos.base_bytes;
  built.delta = std::move(delta);
  encode_payload(built.row, std::move(text), store_.payload_encoding());
  return built;
}

RowCheckpointer::BuiltRow RowCheckpointer::build_full_row(const Checkpoint& cp, const std::string& id,
                                                          Timestamp created, std::size_t state_bytes,
                                                          const std::string& parent_id) {
  BuiltRow built = build_full_row_header(cp, id, created, state_bytes, parent_id);
  encode_payload(built.row, cp.state.dump(), store_.payload_encoding());
  return built;
}

RowCheckpointer::BuiltRow RowCheckpointer::build_full_row_header(const Checkpoint& cp,
                                                                 const std::string& id,
                                                                 Timestamp created,
                                                                 std::size_t state_bytes,
                                                                 const std::string& parent_id) const {
  if (state_bytes > options_.limits.max_state_bytes) {
    throw InvalidArgument("deltackpt: save(thread=" + cp.thread_id + "): state is " +
                          std::to_string(state_bytes) + " bytes, over the limit of " +
                          std::to_string(options_.limits.max_state_bytes));
  }
  BuiltRow built;
  RowHeader& h = built.row.header;
  h.thread_id = cp.thread_id;
  h.checkpoint_id = id;
  h.parent_id = parent_id;
  h.step = cp.step;
  h.created_at = created;
  h.metadata = cp.metadata.dump();
  h.pending_nodes = pending_to_text(cp.pending_nodes);
  h.state_size = static_cast<std::int64_t>(state_bytes);
  h.kind = RowKind::kFull;
  h.base_id = id;
  h.depth = 0;
  built.position = ChainPosition{cp.thread_id, id, 0, 0, h.state_size, h.state_size};
  return built;
}

CachedState RowCheckpointer::rebuild(const std::vector<StoredRow>& chain, std::string_view wanted_id) {
  const StoredRow& first = chain.front();
  if (first.header.kind != RowKind::kFull) {
    throw_row_corruption(first.header, "the row its delta is against (" + first.header.parent_id +
                                           ") is missing: the chain has no full row");
  }
  CachedState result;
  Json state = rebuild_row(first, nullptr, options_.limits);
  result.position = ChainPosition{first.header.thread_id, first.header.checkpoint_id, 0, 0,
                                  first.header.state_size, first.header.state_size};
  for (std::size_t i = 1; i < chain.size(); ++i) {
    const RowHeader& h = chain[i].header;
    if (h.kind != RowKind::kDelta || h.parent_id != chain[i - 1].header.checkpoint_id) {
      throw_row_corruption(h, "delta chain is broken at this row");
    }
    const std::size_t delta_bytes = apply_row_delta(state, chain[i], options_.limits);
    result.position.depth += 1;
    result.position.chain_delta_bytes += static_cast<std::int64_t>(delta_bytes);
  }
  const RowHeader& last = chain.back().header;
  if (last.checkpoint_id != wanted_id) {
    throw_row_corruption(last, "chain query returned the wrong row");
  }
  // A replay that went wrong (a delta applied to the wrong base) almost
  // always changes the size, and checking it costs far less than the parse.
  if (static_cast<std::int64_t>(serialized_size(state)) != last.state_size) {
    throw_row_corruption(last, "rebuilt state does not have the recorded size");
  }
  result.position.thread_id = last.thread_id;
  result.position.state_bytes = last.state_size;
  result.state = std::make_shared<Json>(std::move(state));
  return result;
}

Checkpoint RowCheckpointer::to_checkpoint(const RowHeader& h, Json state) const {
  Checkpoint cp;
  cp.thread_id = h.thread_id;
  cp.checkpoint_id = h.checkpoint_id;
  cp.parent_id = h.parent_id;
  cp.step = h.step;
  cp.created_at = h.created_at;
  cp.state = std::move(state);
  CheckpointInfo info = to_info(h);
  cp.metadata = std::move(info.metadata);
  cp.pending_nodes = std::move(info.pending_nodes);
  return cp;
}

CheckpointInfo RowCheckpointer::to_info(const RowHeader& h) const {
  CheckpointInfo info;
  info.thread_id = h.thread_id;
  info.checkpoint_id = h.checkpoint_id;
  info.parent_id = h.parent_id;
  info.step = h.step;
  info.created_at = h.created_at;
  info.metadata = parse_column(h.metadata, "metadata", h, options_.limits);
  if (!info.metadata.is_object()) throw_row_corruption(h, "metadata is not a JSON object");
  const Json pending = parse_column(h.pending_nodes, "pending_nodes", h, options_.limits);
  if (!pending.is_array()) throw_row_corruption(h, "pending_nodes is not a JSON array");
  for (const auto& node : pending) {
    if (!node.is_string()) throw_row_corruption(h, "pending_nodes holds a non-string");
    info.pending_nodes.push_back(node.get<std::string>());
  }
  info.kind = h.kind;
  info.base_id = h.base_id;
  info.depth = h.depth;
  info.stored_bytes = h.payload_size;
  info.state_bytes = h.state_size;
  return info;
}

std::optional<Checkpoint> RowCheckpointer::load(std::string_view thread_id) {
  check_id(thread_id, "thread_id", options_.limits, false);
  std::string cached_head;
  if (write_deltas_) {
    std::lock_guard lock(heads_mutex_);
    if (const auto it = heads_.find(std::string(thread_id)); it != heads_.end()) cached_head = it->second;
  }
  if (!cached_head.empty()) {
    // This process saved the head it knows of; if it is still the head, its
    // state is in the cache and nothing needs replaying.
    if (auto cached = cache_.get(cached_head)) {
      const auto head = store_.head(thread_id);
      if (!head) return std::nullopt;
      if (head->checkpoint_id == cached_head) return to_checkpoint(*head, *cached->state);
      return load_by_id(head->checkpoint_id);
    }
  }
  const auto chain = store_.head_chain(thread_id);
  if (chain.empty()) return std::nullopt;
  const RowHeader& last = chain.back().header;
  CachedState rebuilt = rebuild(chain, last.checkpoint_id);
  Checkpoint cp = to_checkpoint(last, *rebuilt.state);
  if (write_deltas_) cache_.put(last.checkpoint_id, std::move(rebuilt));
  return cp;
}

std::optional<Checkpoint> RowCheckpointer::load_by_id(std::string_view checkpoint_id) {
  check_id(checkpoint_id, "checkpoint_id", options_.limits, false);
  if (auto cached = cache_.get(checkpoint_id)) {
    const auto header = store_.header(checkpoint_id);
    if (!header) return std::nullopt;
    return to_checkpoint(*header, *cached->state);
  }
  const auto chain = store_.chain(checkpoint_id);
  if (chain.empty()) return std::nullopt;
  // Not cached: browsing history would fill the cache with states no save
  // diffs against (a fork from this one reads its chain once when it saves).
  CachedState rebuilt = rebuild(chain, checkpoint_id);
  // rebuild() made the state (non-const) and nobody else holds it: move it out.
  return to_checkpoint(chain.back().header, std::move(*std::const_pointer_cast<Json>(rebuilt.state)));
}

std::vector<CheckpointInfo> RowCheckpointer::list(std::string_view thread_id,
                                                  const ListOptions& options) {
  check_id(thread_id, "thread_id", options_.limits, false);
  if (!options.metadata_filter.is_object()) {
    throw InvalidArgument("deltackpt: list(thread=" + std::string(thread_id) +
                          "): metadata_filter must be a JSON object");
  }
  std::vector<CheckpointInfo> out;
  const bool filtering = !options.metadata_filter.empty();
  std::string before = options.before;
  while (true) {
    const std::size_t page = filtering ? kListPage : options.limit;
    const auto headers = store_.headers(thread_id, before, page);
    for (const auto& h : headers) {
      CheckpointInfo info = to_info(h);
      if (filtering && !metadata_matches(info.metadata, options.metadata_filter)) continue;
      out.push_back(std::move(info));
      if (options.limit != 0 && out.size() == options.limit) return out;
    }
    if (!filtering || headers.size() < page) return out;
    before = headers.back().checkpoint_id;
  }
}

std::vector<Checkpoint> RowCheckpointer::history(std::string_view thread_id) {
  check_id(thread_id, "thread_id", options_.limits, false);
  const auto rows = store_.rows(thread_id);
  std::vector<Checkpoint> out;
  out.reserve(rows.size());
  std::unordered_map<std::string_view, std::size_t> position;
  for (const auto& row : rows) {
    const RowHeader& h = row.header;
    const Json* parent = nullptr;
    if (h.kind == RowKind::kDelta) {
      if (const auto it = position.find(h.parent_id); it != position.end()) parent = &out[it->second].state;
    }
    out.push_back(to_checkpoint(h, rebuild_row(row, parent, options_.limits)));
    position.emplace(out.back().checkpoint_id, out.size() - 1);
  }
  // `position` views ids inside `out`; reserve() above kept them in place.
  return out;
}

std::vector<std::string> RowCheckpointer::threads() { return store_.threads(); }

std::size_t RowCheckpointer::remove_thread(std::string_view thread_id) {
  check_id(thread_id, "thread_id", options_.limits, false);
  const std::size_t removed = store_.remove_thread(thread_id);
  cache_.forget_thread(thread_id);
  std::lock_guard lock(heads_mutex_);
  heads_.erase(std::string(thread_id));
  return removed;
}

PruneResult RowCheckpointer::prune(std::string_view thread_id, const RetentionPolicy& policy) {
  check_id(thread_id, "thread_id", options_.limits, false);
  const auto rows = store_.rows(thread_id);
  const std::size_t n = rows.size();
  if (n == 0) return {};
  const Timestamp oldest_kept = policy.max_age ? now() - *policy.max_age : Timestamp::min();
  std::vector<bool> keep(n);
  std::size_t removed = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t rank = n - 1 - i;  // 0 for the newest
    keep[i] = rank == 0 || ((!policy.keep_last || rank < *policy.keep_last) &&
                            rows[i].header.created_at >= oldest_kept);
    if (!keep[i]) ++removed;
  }
  if (removed == 0) return {};

  std::unordered_map<std::string_view, std::size_t> index;
  for (std::size_t i = 0; i < n; ++i) index.emplace(rows[i].header.checkpoint_id, i);
  // New chain positions, parents first. A kept delta whose parent goes is
  // rewritten as a full row; its descendants' base and depth follow.
  std::vector<RowHeader> updated(n);
  std::vector<bool> needs_full(n, false);
  bool any_full = false;
  for (std::size_t i = 0; i < n; ++i) {
    if (!keep[i] || rows[i].header.kind == RowKind::kFull) continue;
    const auto p = index.find(rows[i].header.parent_id);
    if (p == index.end()) {
      throw_row_corruption(rows[i].header, "the row its delta is against (" +
                                               rows[i].header.parent_id + ") is missing");
    }
    if (!keep[p->second]) needs_full[i] = any_full = true;
  }
  std::vector<Checkpoint> states;
  if (any_full) states = history(thread_id);  // rows are in the same order

  std::vector<StoredRow> replace;
  std::vector<std::string> remove;
  for (std::size_t i = 0; i < n; ++i) {
    const RowHeader& h = rows[i].header;
    if (!keep[i]) {
      remove.push_back(h.checkpoint_id);
      continue;
    }
    updated[i] = h;
    if (needs_full[i]) {
      StoredRow row;
      row.header = h;
      row.header.kind = RowKind::kFull;
      row.header.base_id = h.checkpoint_id;
      row.header.depth = 0;
      encode_payload(row, states[i].state.dump(), store_.payload_encoding());
      updated[i] = row.header;
      replace.push_back(std::move(row));
      continue;
    }
    if (h.kind == RowKind::kFull) continue;
    const RowHeader& parent = updated[index.at(h.parent_id)];
    if (parent.base_id != h.base_id || parent.depth + 1 != h.depth) {
      StoredRow row = rows[i];
      row.header.base_id = parent.base_id;
      row.header.depth = parent.depth + 1;
      updated[i] = row.header;
      replace.push_back(std::move(row));
    }
  }
  store_.rewrite(thread_id, replace, remove);
  cache_.forget_thread(thread_id);
  std::size_t rewritten = 0;
  for (const bool full : needs_full) rewritten += full ? 1 : 0;
  return PruneResult{removed, rewritten};
}

}  // namespace deltackpt::detail

namespace deltackpt {

std::unique_ptr<Checkpointer> open_row_store(RowStore& store, const Limits& limits) {
  DeltaOptions options;
  options.limits = limits;
  return std::make_unique<detail::RowCheckpointer>(store, std::move(options), false);
}

std::unique_ptr<Checkpointer> open_row_store(std::unique_ptr<RowStore> store, const Limits& limits) {
  if (!store) throw InvalidArgument("deltackpt: open_row_store needs a store");
  DeltaOptions options;
  options.limits = limits;
  return std::make_unique<detail::RowCheckpointer>(std::move(store), std::move(options), false);
}

}  // namespace deltackpt
