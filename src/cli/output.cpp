// Tables, sizes and the progress bar.
#include "output.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace deltackpt::cli {

std::string human_bytes(std::int64_t bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1000.0 && unit < 4) {
    value /= 1000.0;
    ++unit;
  }
  char buffer[32];
  if (unit == 0) {
    std::snprintf(buffer, sizeof buffer, "%lld B", static_cast<long long>(bytes));
  } else {
    std::snprintf(buffer, sizeof buffer, "%.1f %s", value, units[unit]);
  }
  return buffer;
}

void print_table(const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size() && c < width.size(); ++c) {
      width[c] = std::max(width[c], row[c].size());
    }
  }
  auto print_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      line += cells[c];
      if (c + 1 < cells.size()) line += std::string(width[c] - cells[c].size() + 2, ' ');
    }
    std::cout << line << '\n';
  };
  print_row(header);
  for (const auto& row : rows) print_row(row);
}

ProgressBar::ProgressBar(std::string label)
    : label_(std::move(label)), enabled_(isatty(STDERR_FILENO) == 1) {}

ProgressBar::~ProgressBar() { clear(); }

void ProgressBar::clear() {
  if (drawn_) std::cerr << "\r\033[K" << std::flush;
  drawn_ = false;
  enabled_ = false;
}

void ProgressBar::update(std::size_t done, std::size_t total) {
  if (!enabled_) return;
  if (total > 0) {
    const std::size_t permille = done * 1000 / total;
    if (permille == last_permille_) return;
    last_permille_ = permille;
    const std::size_t filled = permille * 30 / 1000;
    std::cerr << "\r" << label_ << " [" << std::string(filled, '#') << std::string(30 - filled, '.')
              << "] " << done << "/" << total << std::flush;
  } else {
    if (done - last_done_ < 50 && done != 0) return;
    last_done_ = done;
    std::cerr << "\r" << label_ << " " << done << std::flush;
  }
  drawn_ = true;
}

}  // namespace deltackpt::cli
