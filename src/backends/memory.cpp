// MemoryRowStore: the RowStore contract in process memory, under one mutex.
#include "deltackpt/backends/memory.hpp"

#include <map>
#include <mutex>
#include <unordered_map>

#include "deltackpt/errors.hpp"
#include "deltackpt/row_store.hpp"
#include "row_columns.hpp"

namespace deltackpt {
namespace {

class MemoryRowStore final : public RowStore {
 public:
  std::string_view backend_name() const noexcept override { return "memory"; }

  void insert(const StoredRow& row, InsertMode mode) override {
    std::lock_guard lock(mutex_);
    auto& thread = threads_[row.header.thread_id];
    StoredRow appended;
    if (mode == InsertMode::kAppend) {
      appended = row;
      appended.header.parent_id = thread.head;
    }
    const StoredRow& stored = mode == InsertMode::kAppend ? appended : row;
    const RowHeader& h = stored.header;
    const auto drop_empty = [&] {
      if (thread.order.empty()) threads_.erase(h.thread_id);
    };
    if (!h.parent_id.empty()) {
      const auto parent = rows_.find(h.parent_id);
      if (parent == rows_.end() || parent->second.row.header.thread_id != h.thread_id) {
        drop_empty();
        throw detail::parent_not_found(backend_name(), detail::insert_op(h), h.parent_id);
      }
    }
    if (rows_.count(h.checkpoint_id) != 0) {
      drop_empty();
      throw detail::id_taken(backend_name(), detail::insert_op(h));
    }
    if (mode == InsertMode::kExtend && thread.head != h.parent_id) {
      drop_empty();
      throw detail::head_moved(backend_name(), detail::insert_op(h), h.parent_id, thread.head);
    }
    const std::uint64_t seq = ++next_seq_;
    rows_.emplace(h.checkpoint_id, Entry{stored, seq});
    thread.order.emplace(seq, h.checkpoint_id);
    thread.head = h.checkpoint_id;
  }

  std::optional<RowHeader> head(std::string_view thread_id) override {
    std::lock_guard lock(mutex_);
    const auto t = threads_.find(std::string(thread_id));
    if (t == threads_.end()) return std::nullopt;
    return rows_.at(t->second.head).row.header;
  }

  std::vector<StoredRow> chain(std::string_view checkpoint_id) override {
    std::lock_guard lock(mutex_);
    return chain_locked(std::string(checkpoint_id));
  }

  std::vector<StoredRow> head_chain(std::string_view thread_id) override {
    std::lock_guard lock(mutex_);
    const auto t = threads_.find(std::string(thread_id));
    if (t == threads_.end()) return {};
    return chain_locked(t->second.head);
  }

  std::optional<RowHeader> header(std::string_view checkpoint_id) override {
    std::lock_guard lock(mutex_);
    const auto it = rows_.find(std::string(checkpoint_id));
    if (it == rows_.end()) return std::nullopt;
    return it->second.row.header;
  }

  std::vector<RowHeader> headers(std::string_view thread_id, std::string_view before_id,
                                 std::size_t limit) override {
    std::lock_guard lock(mutex_);
    std::vector<RowHeader> out;
    const auto t = threads_.find(std::string(thread_id));
    if (t == threads_.end()) return out;
    auto it = t->second.order.rbegin();
    if (!before_id.empty()) {
      const auto b = rows_.find(std::string(before_id));
      if (b == rows_.end()) return out;
      it = std::make_reverse_iterator(t->second.order.lower_bound(b->second.seq));
    }
    for (; it != t->second.order.rend() && (limit == 0 || out.size() < limit); ++it) {
      out.push_back(rows_.at(it->second).row.header);
    }
    return out;
  }

  std::vector<StoredRow> rows(std::string_view thread_id) override {
    std::lock_guard lock(mutex_);
    std::vector<StoredRow> out;
    const auto t = threads_.find(std::string(thread_id));
    if (t == threads_.end()) return out;
    for (const auto& [seq, id] : t->second.order) out.push_back(rows_.at(id).row);
    return out;
  }

  std::vector<std::string> threads() override {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& [id, thread] : threads_) out.push_back(id);
    return out;
  }

  std::size_t remove_thread(std::string_view thread_id) override {
    std::lock_guard lock(mutex_);
    const auto t = threads_.find(std::string(thread_id));
    if (t == threads_.end()) return 0;
    const std::size_t count = t->second.order.size();
    for (const auto& [seq, id] : t->second.order) rows_.erase(id);
    threads_.erase(t);
    return count;
  }

  void rewrite(std::string_view thread_id, const std::vector<StoredRow>& replace,
               const std::vector<std::string>& remove) override {
    std::lock_guard lock(mutex_);
    const auto t = threads_.find(std::string(thread_id));
    const std::string op = detail::rewrite_op(thread_id);
    const auto in_thread = [&](const std::string& id) {
      const auto it = rows_.find(id);
      return it != rows_.end() && it->second.row.header.thread_id == thread_id;
    };
    // Check everything first so that a refused rewrite changes nothing.
    for (const auto& row : replace) {
      if (!in_thread(row.header.checkpoint_id)) throw detail::not_in_thread(backend_name(), op, row.header.checkpoint_id);
    }
    for (const auto& id : remove) {
      if (!in_thread(id)) throw detail::not_in_thread(backend_name(), op, id);
      if (t->second.head == id) throw detail::head_not_removable(backend_name(), op);
    }
    for (const auto& row : replace) rows_.at(row.header.checkpoint_id).row = row;
    for (const auto& id : remove) {
      const auto it = rows_.find(id);
      t->second.order.erase(it->second.seq);
      rows_.erase(it);
    }
  }

 private:
  struct Entry {
    StoredRow row;
    std::uint64_t seq;
  };
  struct Thread {
    std::string head;
    std::map<std::uint64_t, std::string> order;  // seq -> id, oldest first
  };

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
  std::map<std::string, Thread, std::less<>> threads_;
};

}  // namespace

std::unique_ptr<RowStore> open_memory() { return std::make_unique<MemoryRowStore>(); }

}  // namespace deltackpt
