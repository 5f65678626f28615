// MemoryRowStore: the RowStore contract in process memory, under one mutex.
#include "deltackpt/backends/memory.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <tuple>
#include <unordered_map>

#include "deltackpt/errors.hpp"
#include "deltackpt/row_store.hpp"
#include "row_columns.hpp"

namespace deltackpt {
namespace {

// (thread_id, checkpoint_ns): what owns a head and a chain of rows.
using ChainOwner = std::pair<std::string, std::string>;
// (task_id, idx): a write's key among its checkpoint's writes.
using WriteSlot = std::pair<std::string, std::int64_t>;

class MemoryRowStore final : public RowStore {
 public:
  std::string_view backend_name() const noexcept override { return "memory"; }

  void insert(const StoredRow& row, InsertMode mode) override {
    std::lock_guard lock(mutex_);
    const ChainOwner owner{row.header.thread_id, row.header.checkpoint_ns};
    const auto found = owners_.find(owner);
    const std::string head = found == owners_.end() ? std::string() : found->second.head;
    StoredRow stored = row;
    if (mode == InsertMode::kAppend) stored.header.parent_id = head;
    const RowHeader& h = stored.header;
    if (!h.parent_id.empty()) {
      const auto parent = rows_.find(h.parent_id);
      if (parent == rows_.end() || parent->second.row.header.thread_id != h.thread_id ||
          parent->second.row.header.checkpoint_ns != h.checkpoint_ns) {
        throw detail::parent_not_found(backend_name(), detail::insert_op(h), h.parent_id);
      }
    }
    if (rows_.count(h.checkpoint_id) != 0) throw detail::id_taken(backend_name(), detail::insert_op(h));
    if (mode == InsertMode::kExtend && head != h.parent_id) {
      throw detail::head_moved(backend_name(), detail::insert_op(h), h.parent_id, head);
    }
    if (detail::needs_chain_check(stored)) {
      detail::check_chain_base(stored, *link_locked(h.parent_id), link_locked(h.base_id), backend_name(),
                               detail::insert_op(h));
    }
    const std::uint64_t seq = ++next_seq_;
    const std::string id = h.checkpoint_id;
    rows_.emplace(id, Entry{std::move(stored), seq});
    order_.emplace(seq, id);
    thread_order_[owner.first].emplace(seq, id);
    owners_[owner].head = id;
  }

  std::optional<RowHeader> head(std::string_view thread_id, std::string_view checkpoint_ns) override {
    std::lock_guard lock(mutex_);
    const std::string* id = head_locked(thread_id, checkpoint_ns);
    if (id == nullptr) return std::nullopt;
    return rows_.at(*id).row.header;
  }

  std::vector<StoredRow> chain(std::string_view checkpoint_id) override {
    std::lock_guard lock(mutex_);
    return chain_locked(std::string(checkpoint_id));
  }

  std::vector<StoredRow> head_chain(std::string_view thread_id, std::string_view checkpoint_ns) override {
    std::lock_guard lock(mutex_);
    const std::string* id = head_locked(thread_id, checkpoint_ns);
    if (id == nullptr) return {};
    return chain_locked(*id);
  }

  std::vector<StoredRow> chains(const std::vector<std::string>& ids) override {
    std::lock_guard lock(mutex_);
    std::set<std::uint64_t> wanted;
    for (const auto& id : ids) {
      for (auto it = rows_.find(id); it != rows_.end() && wanted.insert(it->second.seq).second;) {
        if (it->second.row.header.kind == RowKind::kFull) break;
        it = rows_.find(it->second.row.header.parent_id);
      }
    }
    std::vector<StoredRow> out;
    out.reserve(wanted.size());
    for (const std::uint64_t seq : wanted) out.push_back(rows_.at(order_.at(seq)).row);
    return out;
  }

  std::optional<RowHeader> header(std::string_view checkpoint_id) override {
    std::lock_guard lock(mutex_);
    const auto it = rows_.find(std::string(checkpoint_id));
    if (it == rows_.end()) return std::nullopt;
    return it->second.row.header;
  }

  std::vector<RowHeader> headers(const HeaderQuery& query) override {
    std::lock_guard lock(mutex_);
    std::vector<RowHeader> out;
    const Order* order = &order_;
    if (query.thread_id) {
      const auto t = thread_order_.find(*query.thread_id);
      if (t == thread_order_.end()) return out;
      order = &t->second;
    }
    if (query.order == ListOrder::kCheckpointId) return headers_by_id_locked(*order, query);
    auto it = order->rbegin();
    bool by_id = false;
    if (!query.before_id.empty()) {
      if (const auto b = rows_.find(query.before_id); b != rows_.end()) {
        it = std::make_reverse_iterator(order->lower_bound(b->second.seq));
      } else {
        by_id = true;
      }
    }
    for (; it != order->rend() && (query.limit == 0 || out.size() < query.limit); ++it) {
      const RowHeader& h = rows_.at(it->second).row.header;
      if (query.thread_id && h.thread_id != *query.thread_id) continue;
      if (query.checkpoint_ns && h.checkpoint_ns != *query.checkpoint_ns) continue;
      if (by_id && !(h.checkpoint_id < query.before_id)) continue;
      out.push_back(h);
    }
    return out;
  }

  std::vector<StoredRow> rows(std::string_view thread_id) override {
    std::lock_guard lock(mutex_);
    std::vector<StoredRow> out;
    const auto t = thread_order_.find(thread_id);
    if (t == thread_order_.end()) return out;
    for (const auto& [seq, id] : t->second) out.push_back(rows_.at(id).row);
    return out;
  }

  std::vector<std::string> threads() override {
    std::lock_guard lock(mutex_);
    std::set<std::string> out;
    for (const auto& [owner, chain] : owners_) out.insert(owner.first);
    for (const auto& [key, stored] : writes_) out.insert(key.thread_id);
    return {out.begin(), out.end()};
  }

  std::vector<std::string> namespaces(std::string_view thread_id) override {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (auto it = owners_.lower_bound(ChainOwner{std::string(thread_id), ""});
         it != owners_.end() && it->first.first == thread_id; ++it) {
      out.push_back(it->first.second);
    }
    return out;
  }

  std::size_t remove_thread(std::string_view thread_id) override {
    std::lock_guard lock(mutex_);
    std::erase_if(quarantined_, [&](const QuarantinedRow& q) { return q.thread_id == thread_id; });
    std::size_t count = 0;
    if (const auto t = thread_order_.find(thread_id); t != thread_order_.end()) {
      count = t->second.size();
      for (const auto& [seq, id] : t->second) {
        rows_.erase(id);
        order_.erase(seq);
      }
      thread_order_.erase(t);
    }
    std::erase_if(owners_, [&](const auto& o) { return o.first.first == thread_id; });
    std::erase_if(writes_, [&](const auto& w) { return w.first.thread_id == thread_id; });
    return count;
  }

  void rewrite(std::string_view thread_id, const std::vector<StoredRow>& replace,
               const std::vector<std::string>& remove) override {
    std::lock_guard lock(mutex_);
    const std::string op = detail::rewrite_op(thread_id);
    const auto in_thread = [&](const std::string& id) {
      const auto it = rows_.find(id);
      return it != rows_.end() && it->second.row.header.thread_id == thread_id;
    };
    // Check everything first so that a refused rewrite changes nothing.
    for (const auto& row : replace) {
      if (!in_thread(row.header.checkpoint_id) ||
          rows_.at(row.header.checkpoint_id).row.header.checkpoint_ns != row.header.checkpoint_ns) throw detail::not_in_thread(backend_name(), op, row.header.checkpoint_id);
    }
    for (const auto& id : remove) {
      if (!in_thread(id)) throw detail::not_in_thread(backend_name(), op, id);
      const RowHeader& h = rows_.at(id).row.header;
      if (*head_locked(h.thread_id, h.checkpoint_ns) == id) throw detail::head_not_removable(backend_name(), op);
    }
    std::vector<detail::ChainLink> chain_rows;
    if (const auto t = thread_order_.find(thread_id); t != thread_order_.end()) {
      for (const auto& [seq, id] : t->second) {
        if (detail::needs_chain_check(rows_.at(id).row)) chain_rows.push_back(*link_locked(id));
      }
    }
    detail::check_rewrite_keeps_chains(chain_rows, replace, remove, backend_name(), op);
    for (const auto& row : replace) {
      rows_.at(row.header.checkpoint_id).row = row;
    }
    for (const auto& id : remove) {
      const auto it = rows_.find(id);
      const RowHeader& h = it->second.row.header;
      writes_.erase(Key{h.thread_id, h.checkpoint_ns, id});
      order_.erase(it->second.seq);
      thread_order_.at(h.thread_id).erase(it->second.seq);
      rows_.erase(it);
    }
  }

  std::vector<QuarantineEntry> quarantine(std::string_view thread_id, const std::vector<QuarantineEntry>& named) override {
    std::lock_guard lock(mutex_);
    std::vector<QuarantineEntry> moved;
    const auto t = thread_order_.find(thread_id);
    if (t == thread_order_.end()) return moved;
    std::vector<detail::RowLineage> lineage;
    for (const auto& [seq, id] : t->second) {
      const RowHeader& h = rows_.at(id).row.header;
      lineage.push_back({id, h.parent_id, h.kind == RowKind::kDelta});
    }
    const Timestamp when = now();
    moved = detail::rows_to_quarantine(lineage, named);
    for (const auto& entry : moved) {
      const auto it = rows_.find(entry.checkpoint_id);
      const RowHeader& h = it->second.row.header;
      quarantined_.push_back(QuarantinedRow{h.thread_id, h.checkpoint_ns, h.checkpoint_id, std::string(to_string(h.kind)),
                                            h.encoding, checksum_text(h.checksum), std::move(it->second.row.payload),
                                            entry.reason, when});
      order_.erase(it->second.seq);
      t->second.erase(it->second.seq);
      rows_.erase(it);
    }
    // Each head whose row is gone becomes its namespace's newest row.
    for (auto owner = owners_.lower_bound(ChainOwner{std::string(thread_id), ""});
         owner != owners_.end() && owner->first.first == thread_id;) {
      if (rows_.count(owner->second.head) != 0) {
        ++owner;
        continue;
      }
      const auto newest = std::find_if(t->second.rbegin(), t->second.rend(), [&](const auto& entry) {
        return rows_.at(entry.second).row.header.checkpoint_ns == owner->first.second;
      });
      if (newest == t->second.rend()) {
        owner = owners_.erase(owner);
      } else {
        owner->second.head = newest->second;
        ++owner;
      }
    }
    if (t->second.empty()) thread_order_.erase(t);
    return moved;
  }

  std::vector<QuarantinedRow> quarantined(std::string_view thread_id) override {
    std::lock_guard lock(mutex_);
    std::vector<QuarantinedRow> out;
    for (const auto& q : quarantined_) {
      if (thread_id.empty() || q.thread_id == thread_id) out.push_back(q);
    }
    return out;
  }

  void put_writes(const CheckpointKey& key, const std::vector<EncodedWrite>& writes, bool replace) override {
    if (writes.empty()) return;
    std::lock_guard lock(mutex_);
    auto& stored = writes_[Key{key.thread_id, key.checkpoint_ns, key.checkpoint_id}];
    for (const auto& w : writes) {
      auto [slot, inserted] = stored.try_emplace(WriteSlot{w.write.task_id, w.write.idx}, w);
      if (!inserted && replace) slot->second = w;
    }
  }

  std::vector<StoredWrite> writes(const std::vector<CheckpointKey>& keys) override {
    std::lock_guard lock(mutex_);
    std::vector<StoredWrite> out;
    for (const auto& key : keys) {
      const auto found = writes_.find(Key{key.thread_id, key.checkpoint_ns, key.checkpoint_id});
      if (found == writes_.end()) continue;
      std::vector<EncodedWrite> sorted;
      for (const auto& [slot, w] : found->second) sorted.push_back(w);
      std::sort(sorted.begin(), sorted.end(),
                [](const EncodedWrite& a, const EncodedWrite& b) { return detail::write_order(a.write, b.write); });
      for (auto& w : sorted) out.push_back(StoredWrite{std::move(w), key});
    }
    return out;
  }

  std::vector<WriteTotals> write_totals(std::string_view thread_id) override {
    std::lock_guard lock(mutex_);
    std::vector<WriteTotals> out;
    for (const auto& [key, stored] : writes_) {
      if (key.thread_id != thread_id || stored.empty()) continue;
      WriteTotals t{key.checkpoint_ns, key.checkpoint_id, stored.size(), 0};
      for (const auto& [slot, w] : stored) t.value_bytes += static_cast<std::int64_t>(w.write.value.size());
      out.push_back(std::move(t));
    }
    return out;
  }

 private:
  struct Entry {
    StoredRow row;
    std::uint64_t seq;
  };
  using Order = std::map<std::uint64_t, std::string>;  // seq -> id, oldest first
  struct Chain {
    std::string head;
  };
  // A checkpoint's key as pending writes name it, ordered by thread, then
  // namespace, then id (write_totals' order).
  struct Key {
    std::string thread_id, checkpoint_ns, checkpoint_id;
    bool operator<(const Key& o) const {
      return std::tie(thread_id, checkpoint_ns, checkpoint_id) < std::tie(o.thread_id, o.checkpoint_ns, o.checkpoint_id);
    }
  };

  // Every query of headers() has a thread (stats, the checkpointer's lists)
  // or is rare (a list over every thread): sorting the candidates is enough.
  std::vector<RowHeader> headers_by_id_locked(const Order& order, const HeaderQuery& query) const {
    std::vector<const RowHeader*> found;
    for (const auto& [seq, id] : order) {
      const RowHeader& h = rows_.at(id).row.header;
      if (query.checkpoint_ns && h.checkpoint_ns != *query.checkpoint_ns) continue;
      if (!query.before_id.empty() && !(h.checkpoint_id < query.before_id)) continue;
      found.push_back(&h);
    }
    std::sort(found.begin(), found.end(), [](const RowHeader* a, const RowHeader* b) {
      return a->checkpoint_id > b->checkpoint_id;
    });
    if (query.limit != 0 && found.size() > query.limit) found.resize(query.limit);
    std::vector<RowHeader> out;
    out.reserve(found.size());
    for (const RowHeader* h : found) out.push_back(*h);
    return out;
  }

  std::optional<detail::ChainLink> link_locked(const std::string& id) const {
    const auto it = rows_.find(id);
    if (it == rows_.end()) return std::nullopt;
    const RowHeader& h = it->second.row.header;
    return detail::ChainLink{h.checkpoint_id, h.parent_id, h.kind, h.base_id, h.encoding, h.checksum};
  }
  const std::string* head_locked(std::string_view thread_id, std::string_view checkpoint_ns) const {
    const auto it = owners_.find(ChainOwner{std::string(thread_id), std::string(checkpoint_ns)});
    return it == owners_.end() ? nullptr : &it->second.head;
  }

  std::vector<StoredRow> chain_locked(const std::string& id) {
    std::vector<StoredRow> out;
    auto it = rows_.find(id);
    while (it != rows_.end()) {
      out.push_back(it->second.row);
      if (it->second.row.header.kind == RowKind::kFull) break;
      it = rows_.find(it->second.row.header.parent_id);
    }
    std::reverse(out.begin(), out.end());
    return out;
  }

  std::mutex mutex_;
  std::uint64_t next_seq_ = 0;
  std::unordered_map<std::string, Entry> rows_;
  Order order_;
  std::map<std::string, Order, std::less<>> thread_order_;
  std::map<ChainOwner, Chain> owners_;
  std::map<Key, std::map<WriteSlot, EncodedWrite>> writes_;
  std::vector<QuarantinedRow> quarantined_;  // in the order moved
};

}  // namespace

std::unique_ptr<RowStore> open_memory() { return std::make_unique<MemoryRowStore>(); }

}  // namespace deltackpt
