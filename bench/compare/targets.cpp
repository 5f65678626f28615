// The targets of issue 5, checked on the bench's results.
#include "compare.hpp"

#include <cstdio>
#include <functional>
#include <optional>
#include <utility>

#include "report.hpp"

namespace deltackpt::bench::compare {
namespace {

TargetCheck ratio_check(std::string name, std::string backend, double a, double b, bool at_least,
                        double bound, const std::string& what_a, const std::string& what_b) {
  TargetCheck t;
  t.name = std::move(name);
  t.backend = std::move(backend);
  t.value = b > 0 ? a / b : 0;
  t.want = (at_least ? ">= " : "<= ") + fmt("%g", bound) + "x";
  t.pass = b > 0 && (at_least ? t.value >= bound : t.value <= bound);
  t.detail = what_a + " / " + what_b;
  return t;
}

void stored_check(std::vector<TargetCheck>& out, const std::vector<RunResult>& results,
                  const std::string& workload, const std::string& other, double bound) {
  const RunResult* d = find_run(results, workload, "delta", "sqlite-full");
  const RunResult* o = find_run(results, workload, other, "sqlite-full");
  if (d == nullptr || o == nullptr) return;
  const auto a = static_cast<double>(o->stored_bytes);
  const auto b = static_cast<double>(d->stored_bytes);
  out.push_back(ratio_check(workload + " (" + std::to_string(d->spec.steps) +
                                " steps): stored bytes, " + other + " / delta",
                            "sqlite-full", a, b, true, bound, other + " " + format_bytes(a),
                            "delta " + format_bytes(b)));
}

}  // namespace

std::vector<TargetCheck> check_targets(const std::vector<RunResult>& results) {
  std::vector<TargetCheck> out;
  stored_check(out, results, "chat", "full", 50);
  stored_check(out, results, "chat", "adk", 25);
  if (const RunResult *d = find_run(results, "chat", "delta", "sqlite-full"),
      *f = find_run(results, "chat", "full", "sqlite-full");
      d != nullptr && f != nullptr) {
    out.push_back(ratio_check("chat: save p50 over the last 10% of steps, full / delta", "sqlite-full",
                              f->save_last10.p50, d->save_last10.p50, true, 5,
                              "full " + format_us(f->save_last10.p50),
                              "delta " + format_us(d->save_last10.p50)));
    if (d->load_cold_us && f->load_cold_us) {
      out.push_back(ratio_check("chat: load-latest p50, delta cold (fresh checkpointer) / full",
                                "sqlite-full", *d->load_cold_us, *f->load_cold_us, false, 1.5,
                                "delta " + format_us(*d->load_cold_us),
                                "full " + format_us(*f->load_cold_us)));
    }
    if (d->load_warm_us && f->load_warm_us) {
      out.push_back(ratio_check("chat: load-latest p50, delta warm (the saving checkpointer) / full",
                                "sqlite-full", *d->load_warm_us, *f->load_warm_us, false, 1.5,
                                "delta " + format_us(*d->load_warm_us),
                                "full " + format_us(*f->load_warm_us)));
    }
  }
  stored_check(out, results, "doc_edit", "full", 30);
  stored_check(out, results, "kv_churn", "full", 10);
  stored_check(out, results, "plan_edit", "full", 10);

  if (const RunResult *d = find_run(results, "tool_results", "delta", "sqlite-full"),
      *f = find_run(results, "tool_results", "full", "sqlite-full");
      d != nullptr && f != nullptr) {
    struct Figure {
      const char* name;
      std::function<std::optional<double>(const RunResult&)> get;
    };
    const std::vector<Figure> figures = {
        {"stored bytes", [](const RunResult& r) { return std::optional<double>(static_cast<double>(r.stored_bytes)); }},
        {"save p50", [](const RunResult& r) { return std::optional<double>(r.save_all.p50); }},
        {"save p95", [](const RunResult& r) { return std::optional<double>(r.save_all.p95); }},
        {"save p99", [](const RunResult& r) { return std::optional<double>(r.save_all.p99); }},
        {"save last10% p50", [](const RunResult& r) { return std::optional<double>(r.save_last10.p50); }},
        {"save last10% p95", [](const RunResult& r) { return std::optional<double>(r.save_last10.p95); }},
        {"save last10% p99", [](const RunResult& r) { return std::optional<double>(r.save_last10.p99); }},
        {"save CPU", [](const RunResult& r) { return std::optional<double>(r.save_cpu_s); }},
        {"load warm p50", [](const RunResult& r) { return r.load_warm_us; }},
        {"load cold p50", [](const RunResult& r) { return r.load_cold_us; }},
        {"load-by-id p50", [](const RunResult& r) { return r.load_by_id_us; }},
        {"history", [](const RunResult& r) { return r.history_ms; }},
        {"peak RSS", [](const RunResult& r) { return std::optional<double>(r.peak_rss_mb); }},
        {"RSS after saves", [](const RunResult& r) { return std::optional<double>(r.save_rss_mb); }},
    };
    TargetCheck t;
    t.name = "tool_results: every figure, delta / full";
    t.backend = "sqlite-full";
    t.want = "<= 1.1x";
    t.pass = true;
    std::string worst;
    for (const auto& fig : figures) {
      const auto a = fig.get(*d);
      const auto b = fig.get(*f);
      if (!a || !b || *b <= 0) continue;
      const double ratio = *a / *b;
      if (ratio > t.value) {
        t.value = ratio;
        worst = fig.name;
      }
      if (ratio > 1.1) {
        t.pass = false;
        t.detail += std::string(t.detail.empty() ? "" : "; ") + fig.name + " " + fmt("%.2fx", ratio);
      }
    }
    if (t.detail.empty()) t.detail = "worst: " + worst + " " + fmt("%.2fx", t.value);
    out.push_back(t);
  }

  if (const RunResult *d = find_run(results, "kv_churn", "delta", "sqlite-normal"),
      *r = find_run(results, "kv_churn", "raw", "sqlite-normal");
      d != nullptr && r != nullptr) {
    out.push_back(ratio_check("kv_churn: save p50, delta / raw insert of the same rows", "sqlite-normal",
                              d->save_all.p50, r->save_all.p50, false, 2,
                              "delta " + format_us(d->save_all.p50), "raw " + format_us(r->save_all.p50)));
  }
  for (const auto& w : workloads_of(results)) {
    const RunResult* d = find_run(results, w, "delta", "postgres");
    const RunResult* r = find_run(results, w, "raw", "postgres");
    if (d == nullptr || r == nullptr) continue;
    out.push_back(ratio_check(w + ": save p50, delta / raw single-statement insert", "postgres",
                              d->save_all.p50, r->save_all.p50, false, 1.3,
                              "delta " + format_us(d->save_all.p50), "raw " + format_us(r->save_all.p50)));
  }
  if (const RunResult *d = find_run(results, "chat", "delta", "sqlite-full"),
      *a = find_run(results, "chat", "adk", "sqlite-full");
      d != nullptr && a != nullptr) {
    out.push_back(ratio_check("chat: save p50 over the last 10% of steps, adk / delta", "sqlite-full",
                              a->save_last10.p50, d->save_last10.p50, true, 50,
                              "adk " + format_us(a->save_last10.p50),
                              "delta " + format_us(d->save_last10.p50)));
  }
  return out;
}

void print_targets(std::ostream& out, const std::vector<TargetCheck>& targets) {
  if (targets.empty()) return;
  out << "\n== targets (issue 5)\n";
  for (const auto& t : targets) {
    char line[512];
    std::snprintf(line, sizeof line, "%-4s %-72s %-13s want %-7s got %7.2fx  (%s)\n",
                  t.pass ? "PASS" : "MISS", t.name.c_str(), t.backend.c_str(), t.want.c_str(),
                  t.value, t.detail.c_str());
    out << line;
  }
}

Json to_json(const std::vector<TargetCheck>& targets) {
  Json ts = Json::array();
  for (const auto& t : targets) {
    ts.push_back(Json{{"name", t.name}, {"backend", t.backend}, {"want", t.want},
                      {"value", t.value}, {"pass", t.pass}, {"detail", t.detail}});
  }
  return ts;
}

}  // namespace deltackpt::bench::compare
