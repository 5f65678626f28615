// Terminal output for the CLI: aligned tables, byte counts, a progress bar.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace deltackpt::cli {

// "1.2 MB", "940 B": human-sized bytes (powers of 1000, as disk tools print).
std::string human_bytes(std::int64_t bytes);

// Prints rows under a header, each column padded to its widest cell.
void print_table(const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows);

// A one-line progress bar on stderr, drawn only when stderr is a terminal.
class ProgressBar {
 public:
  explicit ProgressBar(std::string label);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  // `total` 0 means unknown: a counter is drawn instead of a bar.
  void update(std::size_t done, std::size_t total);
  // Erases the bar for good: call it before printing the result, which
  // would otherwise share its line ("verify 100ok: ...").
  void clear();

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::size_t last_permille_ = static_cast<std::size_t>(-1);
  std::size_t last_done_ = 0;
};

}  // namespace deltackpt::cli
