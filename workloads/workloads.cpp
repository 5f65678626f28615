// Generates the five deterministic agent-state workloads declared in workloads.hpp.
#include "workloads.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace deltackpt::workloads {
namespace {

// The non-ASCII snippets below are written as UTF-8 literals; a compiler that
// re-encodes them (e.g. MSVC without /utf-8) would break cross-platform output.
static_assert(sizeof("\u00e9") == 3, "compile with a UTF-8 execution character set");

// ---------------------------------------------------------------------------
// Random numbers: xoshiro256** seeded by splitmix64, with integer-only
// derivations so every platform and standard library yields the same stream.
// ---------------------------------------------------------------------------

std::uint64_t splitmix64(std::uint64_t& state) {
  state += 0x9E3779B97F4A7C15ULL;
  std::uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    std::uint64_t sm = seed;
    for (auto& word : s_) word = splitmix64(sm);
  }

  std::uint64_t next_u64() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n); rejection sampling keeps it unbiased. n must be > 0.
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t threshold = (0 - n) % n;
    for (;;) {
      const std::uint64_t r = next_u64();
      if (r >= threshold) return r % n;
    }
  }

  std::size_t index(std::size_t n) { return static_cast<std::size_t>(below(n)); }

  // Uniform in [lo, hi], both inclusive.
  std::int64_t between64(std::int64_t lo, std::int64_t hi) {
    const auto span = static_cast<std::uint64_t>(hi - lo) + 1;
    return lo + static_cast<std::int64_t>(below(span));
  }
  int between(int lo, int hi) { return static_cast<int>(between64(lo, hi)); }
  std::size_t between(std::size_t lo, std::size_t hi) { return lo + index(hi - lo + 1); }

  // 53 random bits scaled exactly by 2^-53, so the double is the same everywhere.
  double unit() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return unit() < p; }

  template <typename T, std::size_t N>
  const T& pick(const T (&items)[N]) {
    return items[index(N)];
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ULL;
  }
  return h;
}

// ---------------------------------------------------------------------------
// Small string helpers (std::string + std::string_view has no operator+).
// ---------------------------------------------------------------------------

// Concatenates its parts. It takes a braced list on purpose: elements of a
// braced list are evaluated left to right, whereas function arguments are
// evaluated in an unspecified order (GCC and Clang differ), and many parts
// draw from the RNG. Temporaries live until the end of the full expression.
std::string cat(std::initializer_list<std::string_view> parts) {
  std::size_t size = 0;
  for (const auto part : parts) size += part.size();
  std::string out;
  out.reserve(size);
  for (const auto part : parts) out.append(part);
  return out;
}

std::string zero_pad(std::uint64_t value, std::size_t width) {
  std::string s = std::to_string(value);
  if (s.size() < width) s.insert(0, width - s.size(), '0');
  return s;
}

bool ends_with_any(std::string_view word, std::initializer_list<std::string_view> tails) {
  for (const auto tail : tails) {
    if (word.ends_with(tail)) return true;
  }
  return false;
}

bool is_vowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

// Locale-independent, unlike std::toupper.
void capitalize(std::string& s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
}

void lowercase(std::string& s) {
  for (auto& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
}

void strip_trailing(std::string& s, std::string_view chars) {
  while (!s.empty() && chars.find(s.back()) != std::string_view::npos) s.pop_back();
}

bool is_utf8_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Moves a byte offset back to the start of the UTF-8 character containing it.
std::size_t char_start(const std::string& s, std::size_t pos) {
  while (pos > 0 && pos < s.size() && is_utf8_continuation(s[pos])) --pos;
  return pos;
}

// Moves a byte offset forward to the next UTF-8 character boundary.
std::size_t char_end(const std::string& s, std::size_t pos) {
  while (pos < s.size() && is_utf8_continuation(s[pos])) ++pos;
  return pos;
}

// ---------------------------------------------------------------------------
// Vocabulary. Irregular forms are spelled out; regular ones derive by rule.
// ---------------------------------------------------------------------------

struct Noun {
  std::string_view one;
  std::string_view many;  // empty: regular plural
};

struct Verb {
  std::string_view base;
  std::string_view past;        // empty: regular
  std::string_view participle;  // empty: same as past
  std::string_view gerund;      // empty: regular
};

// clang-format off
constexpr Noun kNouns[] = {
    {"ticket", ""}, {"runbook", ""}, {"service", ""}, {"endpoint", ""}, {"dashboard", ""},
    {"alert", ""}, {"incident", ""}, {"rollout", ""}, {"container", ""}, {"volume", ""},
    {"bucket", ""}, {"manifest", ""}, {"vendor", ""}, {"parcel", ""}, {"ledger", ""},
    {"spreadsheet", ""}, {"memo", ""}, {"agenda", ""}, {"milestone", ""}, {"roadmap", ""},
    {"sprint", ""}, {"backlog", ""}, {"prototype", ""}, {"sketch", ""}, {"thread", ""},
    {"socket", ""}, {"packet", ""}, {"router", ""}, {"firewall", ""}, {"certificate", ""},
    {"secret", ""}, {"credential", ""}, {"permission", ""}, {"role", ""}, {"tenant", ""},
    {"namespace", ""}, {"quota", ""}, {"shard", ""}, {"partition", ""}, {"topic", ""},
    {"consumer", ""}, {"producer", ""}, {"stream", ""}, {"batch", ""}, {"job", ""},
    {"script", ""}, {"module", ""}, {"plugin", ""}, {"dependency", ""}, {"compiler", ""},
    {"linter", ""}, {"test suite", ""}, {"fixture", ""}, {"mock", ""}, {"stack trace", ""},
    {"crash", ""}, {"regression", ""}, {"patch", ""}, {"hotfix", ""}, {"changelog", ""},
    {"label", ""}, {"diff", ""}, {"merge request", ""}, {"review comment", ""}, {"client", ""},
    {"partner", ""}, {"stakeholder", ""}, {"sponsor", ""}, {"refund", ""}, {"discount", ""},
    {"coupon", ""}, {"subscription", ""}, {"renewal", ""}, {"office", ""}, {"desk", ""},
    {"printer", ""}, {"paper", ""}, {"citation", ""}, {"figure", ""}, {"footnote", ""},
    {"survey", ""}, {"interview", ""}, {"transcript", ""}, {"hypothesis", "hypotheses"},
    {"analysis", "analyses"}, {"criterion", "criteria"}, {"baseline", ""}, {"ablation", ""},
    {"prompt", ""}, {"embedding", ""}, {"tokenizer", ""}, {"checkpoint", ""}, {"gradient", ""},
    {"epoch", "epochs"}, {"notebook", ""}, {"plot", ""}, {"histogram", ""}, {"outlier", ""},
    {"cohort", ""}, {"bakery", ""}, {"bicycle", ""}, {"train", ""}, {"platform", ""},
    {"ferry", ""}, {"harbor", ""}, {"valley", ""}, {"lake", ""}, {"bridge", ""},
    {"museum", ""}, {"library", ""}, {"neighbor", ""}, {"lunch", ""}, {"umbrella", ""},
    {"passport", ""}, {"suitcase", ""}, {"itinerary", ""}, {"village", ""}, {"island", ""},
    {"festival", ""}, {"concert", ""}, {"camera", ""}, {"photo", ""}, {"letter", ""},
    {"person", "people"}, {"committee", ""}, {"workshop", ""}, {"lease", ""}, {"warranty", ""},
    {"receipt", ""}, {"contractor", ""}, {"auditor", ""}, {"intern", ""}, {"mentor", ""},
    {"volunteer", ""}, {"pilot", ""}, {"sensor", ""}, {"battery", ""}, {"cable", ""},
    {"monitor", ""}, {"keyboard", ""}, {"laptop", ""}, {"server rack", ""}, {"data center", ""},
    {"API", ""}, {"workflow", ""}, {"template", ""}, {"guideline", ""}, {"checklist", ""},
    {"handbook", ""}, {"glossary", ""}, {"diagram", ""}, {"whiteboard", ""}, {"retrospective", ""},
    {"standup", ""}, {"demo", ""}, {"launch", ""}, {"campaign", ""}, {"newsletter", ""},
    {"webinar", ""}, {"podcast", ""}, {"episode", ""}, {"spike", ""}, {"heuristic", ""},
};

constexpr Verb kVerbs[] = {
    {"inspect", "", "", ""}, {"audit", "", "", ""}, {"refactor", "", "", ""},
    {"benchmark", "", "", ""}, {"annotate", "", "", ""}, {"triage", "", "", ""},
    {"escalate", "", "", ""}, {"reproduce", "", "", ""}, {"bisect", "", "", ""},
    {"patch", "", "", ""}, {"restart", "", "", ""}, {"rotate", "", "", ""},
    {"provision", "", "", ""}, {"decommission", "", "", ""}, {"throttle", "", "", ""},
    {"cache", "", "", ""}, {"label", "", "", ""}, {"tag", "tagged", "", "tagging"},
    {"ship", "shipped", "", "shipping"}, {"draft", "", "", ""}, {"revise", "", "", ""},
    {"proofread", "proofread", "", ""}, {"format", "formatted", "", "formatting"},
    {"export", "", "", ""}, {"import", "", "", ""}, {"upload", "", "", ""},
    {"download", "", "", ""}, {"sync", "", "", ""}, {"backfill", "", "", ""},
    {"reconcile", "", "", ""}, {"prioritize", "", "", ""}, {"assign", "", "", ""},
    {"postpone", "", "", ""}, {"reschedule", "", "", ""}, {"cancel", "", "", ""},
    {"approve", "", "", ""}, {"sign", "", "", ""}, {"negotiate", "", "", ""},
    {"quote", "", "", ""}, {"sketch", "", "", ""}, {"sample", "", "", ""},
    {"plot", "plotted", "", "plotting"}, {"tabulate", "", "", ""}, {"filter", "", "", ""},
    {"sort", "", "", ""}, {"rank", "", "", ""}, {"tune", "", "", ""},
    {"evaluate", "", "", ""}, {"document", "", "", ""}, {"clarify", "", "", ""},
    {"simplify", "", "", ""}, {"untangle", "", "", ""}, {"stabilize", "", "", ""},
    {"isolate", "", "", ""}, {"mirror", "", "", ""}, {"archive", "", "", ""},
    {"restore", "", "", ""}, {"rebuild", "rebuilt", "", ""},
    {"rerun", "reran", "rerun", "rerunning"},
    {"write", "wrote", "written", ""}, {"choose", "chose", "chosen", ""},
    {"run", "ran", "run", "running"}, {"send", "sent", "", ""}, {"find", "found", "", ""},
    {"catch", "caught", "", ""}, {"split", "split", "", "splitting"},
    {"pin", "pinned", "", "pinning"}, {"drop", "dropped", "", "dropping"},
    {"plan", "planned", "", "planning"}, {"log", "logged", "", "logging"},
    {"commit", "committed", "", "committing"}, {"deploy", "", "", ""}, {"delay", "", "", ""},
    {"verify", "", "", ""}, {"copy", "", "", ""}, {"apply", "", "", ""}, {"retry", "", "", ""},
    {"summarize", "", "", ""}, {"flag", "flagged", "", "flagging"}, {"question", "", "", ""},
    {"forward", "", "", ""}, {"borrow", "", "", ""}, {"clean", "", "", ""}, {"pack", "", "", ""},
    {"unpack", "", "", ""}, {"book", "", "", ""}, {"visit", "", "", ""}, {"bake", "", "", ""},
};

constexpr std::string_view kAdjectives[] = {
    "brittle", "sturdy", "verbose", "terse", "flaky", "lukewarm", "urgent", "overdue",
    "pending", "idle", "scalable", "modular", "tidy", "messy", "hefty", "lightweight",
    "cozy", "nearby", "distant", "quarterly", "nightly", "provisional", "tentative",
    "definitive", "partial", "exhaustive", "concise", "sloppy", "polished", "crisp",
    "vague", "explicit", "implicit", "orphaned", "dangling", "frozen", "mutable",
    "immutable", "asynchronous", "synchronous", "parallel", "sequential", "mandatory",
    "experimental", "deprecated", "upcoming", "ongoing", "costly", "affordable",
    "generous", "lenient", "fair", "biased", "robust", "elegant", "clumsy", "hidden",
    "visible", "cryptic", "readable", "uneven", "balanced", "skewed", "hot", "chilly",
    "sunny", "rainy", "foggy", "windy", "crowded", "empty", "narrow", "wide", "shallow",
    "deep", "tiny", "huge", "modest", "ambitious", "cautious", "bold", "curious", "odd",
    "familiar", "unfamiliar", "spare", "leftover", "auxiliary", "canonical", "nominal",
    "marginal", "seasonal", "vintage", "handwritten", "printed", "encrypted", "compressed",
    "signed", "cached", "indexed", "sorted", "unsorted", "overloaded", "underused",
    "flawless", "dusty", "shiny", "tangled", "official", "informal", "formal", "awkward",
};

constexpr std::string_view kAdverbs[] = {
    "promptly", "thoroughly", "reluctantly", "quietly", "loosely", "steadily", "briskly",
    "lazily", "eagerly", "barely", "largely", "mainly", "openly", "privately", "internally",
    "frankly", "arguably", "luckily", "oddly", "smoothly", "poorly", "neatly", "precisely",
    "visibly", "silently", "overnight", "upfront", "in parallel", "by hand", "on purpose",
    "at once", "twice", "once more", "more or less", "for the most part", "in bulk",
    "one by one", "with care", "ahead of schedule", "behind schedule",
};

constexpr std::string_view kPrepositions[] = {
    "inside", "beside", "beyond", "against", "toward", "past", "underneath", "above",
    "below", "among", "via", "alongside", "throughout", "despite", "next to", "outside",
    "onto", "beneath", "across from", "ahead of", "instead of", "regardless of",
};

constexpr std::string_view kOpeners[] = {
    "Quick update:", "For context,", "To recap,", "Heads up:", "In hindsight,",
    "As noted earlier,", "Going forward,", "Strictly speaking,", "On balance,",
    "Admittedly,", "Interestingly,", "Oddly enough,", "At the moment,", "For now,",
    "Later on,", "By the way,", "In any case,", "Put simply,", "From what I can tell,",
    "If I recall correctly,", "To be safe,", "Either way,", "In other words,",
    "Yesterday,", "This morning,", "Over the weekend,",
};

constexpr std::string_view kNames[] = {
    "Amara", "Bjorn", "Chen", "Dalia", "Emeka", "Fatima", "Gustavo", "Hana", "Ivan",
    "Jonas", "Keiko", "Leila", "Marco", "Noor", "Olu", "Paulina", "Ravi", "Saoirse",
    "Theo", "Ulla", "Valentina", "Wanjiru", "Xavier", "Yusuf", "Zofia", "Aiden",
    "Beatriz", "Cyrus",
};

constexpr std::string_view kPlaces[] = {
    "Porto", "Kyoto", "Accra", "Montreal", "Glasgow", "Busan", "Tallinn", "Austin",
    "Perth", "Lyon", "Bogota", "Cape Town", "Helsinki", "Bologna", "Hanoi", "Quito",
    "Utrecht", "Reno", "Tbilisi", "Valencia", "Auckland", "Krakow", "Minneapolis",
    "Marrakesh",
};

constexpr std::string_view kWhen[] = {
    "yesterday", "on Monday", "last sprint", "two weeks ago", "this morning",
    "before the holidays", "over lunch", "late on Friday",
};

constexpr std::string_view kDeadlines[] = {
    "Monday", "Wednesday", "Friday", "the next sprint", "end of day", "the board meeting",
    "the release cut", "next quarter",
};

constexpr std::string_view kTimeUnits[] = {"seconds", "minutes", "hours", "days"};
constexpr std::string_view kComparatives[] = {
    "faster", "slower", "cheaper", "longer", "noisier", "smoother",
};
constexpr std::string_view kPeriods[] = {"sprint", "quarter", "release", "week", "month"};
constexpr std::string_view kListLabels[] = {
    "Next steps", "Open questions", "Findings", "Risks", "Summary", "Action items",
};

// Accents, CJK, Cyrillic, Greek, Devanagari, Thai and emoji; several are 4-byte UTF-8.
constexpr std::string_view kNonAscii[] = {
    "über", "smörgåsbord", "Besançon", "Curaçao", "Đà Nẵng", "København", "crème brûlée",
    "piñata", "Łódź", "Reykjavík", "北京大学", "会議は午後三時です", "数据已同步",
    "설정 완료", "Спасибо за помощь", "Москва", "Ελλάδα", "नमस्ते", "ขอบคุณ", "😀",
    "📦", "🧪", "🛠️", "✨", "📊", "🐛", "💡", "⏳", "✔️", "𝛼-test", "𝔼[loss]", "≈",
    "×", "µs", "§", "¿Qué tal?", "½", "«guillemets»", "‰", "™",
};

struct CodeSnippet {
  std::string_view lang;
  std::string_view code;
};

constexpr CodeSnippet kCode[] = {
    {"python",
     "def dedupe(items):\n    seen = set()\n    return [x for x in items if not (x in seen or "
     "seen.add(x))]"},
    {"sql", "UPDATE tickets SET status = 'closed'\nWHERE updated_at < now() - interval '30 days';"},
    {"bash", "find . -name '*.log' -mtime +7 -delete\ndu -sh /var/cache/* | sort -h | tail -5"},
    {"js",
     "const total = rows.reduce((acc, r) => acc + r.qty * r.price, 0);\n"
     "console.log(total.toFixed(2));"},
    {"go", "if err := srv.Shutdown(ctx); err != nil {\n\tlog.Printf(\"shutdown: %v\", err)\n}"},
    {"yaml", "retries: 4\nbackoff:\n  initial_ms: 200\n  max_ms: 5000"},
    {"json", "{\"status\": \"ok\", \"items\": 12, \"next\": null}"},
    {"rust", "let avg = xs.iter().sum::<f64>() / xs.len() as f64;"},
    {"cpp", "for (const auto& [key, n] : counts) {\n  total += n;\n}"},
    {"python",
     "with open(path, encoding=\"utf-8\") as f:\n"
     "    rows = [line.split(\"\\t\") for line in f]"},
};

constexpr std::string_view kShellCommands[] = {
    "ls -la /srv/reports", "git log --oneline -n 20", "grep -rn TODO src/ | wc -l",
    "df -h /", "python3 -m pytest -q tests/", "make -C build test",
    "tail -n 50 /var/log/app/worker.log", "wc -l data/*.csv",
};

// clang-format on

// Plural and inflections by rule, with the irregular forms above taking priority.
std::string plural(const Noun& noun) {
  if (!noun.many.empty()) return std::string(noun.many);
  const std::string_view w = noun.one;
  if (ends_with_any(w, {"s", "x", "z", "ch", "sh"})) return cat({w, "es"});
  if (w.size() > 1 && w.back() == 'y' && !is_vowel(w[w.size() - 2])) {
    return cat({w.substr(0, w.size() - 1), "ies"});
  }
  return cat({w, "s"});
}

std::string third_person(const Verb& verb) {
  const std::string_view w = verb.base;
  if (ends_with_any(w, {"s", "x", "z", "ch", "sh", "o"})) return cat({w, "es"});
  if (w.size() > 1 && w.back() == 'y' && !is_vowel(w[w.size() - 2])) {
    return cat({w.substr(0, w.size() - 1), "ies"});
  }
  return cat({w, "s"});
}

std::string past(const Verb& verb) {
  if (!verb.past.empty()) return std::string(verb.past);
  const std::string_view w = verb.base;
  if (w.back() == 'e') return cat({w, "d"});
  if (w.size() > 1 && w.back() == 'y' && !is_vowel(w[w.size() - 2])) {
    return cat({w.substr(0, w.size() - 1), "ied"});
  }
  return cat({w, "ed"});
}

std::string participle(const Verb& verb) {
  return verb.participle.empty() ? past(verb) : std::string(verb.participle);
}

std::string gerund(const Verb& verb) {
  if (!verb.gerund.empty()) return std::string(verb.gerund);
  const std::string_view w = verb.base;
  if (w.ends_with("e") && !w.ends_with("ee")) return cat({w.substr(0, w.size() - 1), "ing"});
  return cat({w, "ing"});
}

// Identifier-friendly form of a noun, e.g. "stack trace" -> "stack_trace".
std::string snake(std::string_view words) {
  std::string out(words);
  for (auto& c : out) {
    if (c == ' ') c = '_';
  }
  lowercase(out);
  return out;
}

// ---------------------------------------------------------------------------
// Prose: templated English sentences, paragraphs and light markdown.
// ---------------------------------------------------------------------------

class Prose {
 public:
  explicit Prose(Rng& rng) : rng_(&rng) {}

  struct Phrase {
    std::string text;
    bool plural;
  };

  Phrase noun_phrase() {
    Rng& r = *rng_;
    const int kind = r.between(0, 99);
    if (kind < 30) return {cat({"the ", r.pick(kAdjectives), " ", r.pick(kNouns).one}), false};
    if (kind < 45) return {cat({"the ", r.pick(kNouns).one}), false};
    if (kind < 52) return {cat({r.chance(0.5) ? "this " : "that ", r.pick(kNouns).one}), false};
    if (kind < 67) return {cat({r.pick(kAdjectives), " ", plural(r.pick(kNouns))}), true};
    if (kind < 77) {
      const std::string_view adj = r.pick(kAdjectives);
      return {cat({is_vowel(adj[0]) ? "an " : "a ", adj, " ", r.pick(kNouns).one}), false};
    }
    if (kind < 85) return {cat({r.chance(0.5) ? "our " : "their ", plural(r.pick(kNouns))}), true};
    if (kind < 93) return {cat({r.pick(kNames), "'s ", r.pick(kNouns).one}), false};
    return {cat({std::to_string(r.between(2, 40)), " ", plural(r.pick(kNouns))}), true};
  }

  std::string sentence() {
    Rng& r = *rng_;
    const Phrase a = noun_phrase();
    const Phrase b = noun_phrase();
    const Verb& v = r.pick(kVerbs);
    const std::string agree = a.plural ? std::string(v.base) : third_person(v);
    std::string s;
    bool question = false;
    switch (r.between(0, 15)) {
      case 0:
        s = cat(
            {a.text, " ", agree, " ", b.text, " ", r.pick(kPrepositions), " ", noun_phrase().text});
        break;
      case 1:
        s = cat({"we ", past(v), " ", a.text, " ", r.pick(kAdverbs), " before ",
                 gerund(r.pick(kVerbs)), " ", b.text});
        break;
      case 2:
        s = cat({r.pick(kNames), " ", past(v), " ", a.text, " in ", r.pick(kPlaces), " ",
                 r.pick(kWhen)});
        break;
      case 3:
        s = cat({"let me ", v.base, " ", a.text, " and then ", r.pick(kVerbs).base, " ", b.text});
        break;
      case 4:
        s = cat({"should we ", v.base, " ", a.text, " ", r.pick(kPrepositions), " ", b.text});
        question = true;
        break;
      case 5:
        s = cat({a.text, a.plural ? " have" : " has", " been ", participle(v), " ",
                 r.pick(kAdverbs), ", so ", b.text, " can be ", participle(r.pick(kVerbs)),
                 " next"});
        break;
      case 6:
        s = cat({"roughly ", std::to_string(r.between(1, 99)), "% of the ", plural(r.pick(kNouns)),
                 " ", r.pick(kPrepositions), " ", a.text, " are ", r.pick(kAdjectives), ", and ",
                 std::to_string(r.between(2, 500)), " more are still ", r.pick(kAdjectives)});
        break;
      case 7:
        s = cat({r.pick(kOpeners), " ", a.text, " ", agree, " ", b.text});
        break;
      case 8:
        s = cat({"the ", r.pick(kAdjectives), " part is that ", a.text, " ", r.pick(kAdverbs), " ",
                 agree, " ", b.text});
        break;
      case 9:
        s = cat({"unless ", a.text, " ", agree, " ", b.text, ", the ", r.pick(kNouns).one,
                 " stays ", r.pick(kAdjectives)});
        break;
      case 10:
        s = cat({r.pick(kNames), " wants to know whether ", a.text, " can be ", participle(v),
                 " by ", r.pick(kDeadlines)});
        question = r.chance(0.3);
        break;
      case 11:
        s = cat({gerund(v), " ", a.text, " took ", std::to_string(r.between(2, 90)), " ",
                 r.pick(kTimeUnits), ", ", r.pick(kComparatives), " than ", b.text});
        break;
      case 12:
        s = cat({a.text, " and ", b.text, " look ", r.pick(kAdverbs), " ", r.pick(kAdjectives),
                 " to me"});
        break;
      case 13: {
        const int n = r.between(1, 300);
        s = cat({"note that ", std::to_string(n), " ",
                 n == 1 ? std::string(r.pick(kNouns).one) : plural(r.pick(kNouns)),
                 n == 1 ? " was " : " were ", participle(v), " during the last ",
                 r.pick(kPeriods)});
        break;
      }
      case 14:
        s = cat(
            {"in ", r.pick(kPlaces), ", ", a.text, " ", agree, " ", b.text, " ", r.pick(kAdverbs)});
        break;
      default:
        s = cat({"once ", a.text, a.plural ? " are " : " is ", r.pick(kAdjectives), ", we can ",
                 v.base, " ", b.text});
        break;
    }
    capitalize(s);
    s += question ? "?" : (r.chance(0.04) ? "!" : ".");
    return s;
  }

  std::string paragraph(int sentences) {
    std::string out = sentence();
    for (int i = 1; i < sentences; ++i) {
      out += ' ';
      out += sentence();
    }
    return out;
  }

  // A heading-style title, short and never cut mid-phrase.
  std::string title() {
    Rng& r = *rng_;
    const Phrase a = noun_phrase();
    const Verb& v = r.pick(kVerbs);
    std::string s;
    switch (r.between(0, 4)) {
      case 0:
        s = cat({gerund(v), " ", a.text});
        break;
      case 1:
        s = cat({r.pick(kAdjectives), " ", plural(r.pick(kNouns)), " in ", r.pick(kPlaces)});
        break;
      case 2:
        s = cat({"notes on ", a.text});
        break;
      case 3:
        s = cat({"how ", a.text, " ", a.plural ? std::string(v.base) : third_person(v), " ",
                 noun_phrase().text});
        break;
      default:
        s = cat({"what to ", v.base, " ", r.pick(kWhen)});
        break;
    }
    capitalize(s);
    return s;
  }

  // An imperative to-do item, e.g. "Audit the brittle ledger before Friday".
  std::string task_title() {
    Rng& r = *rng_;
    std::string s = cat({r.pick(kVerbs).base, " ", noun_phrase().text});
    switch (r.between(0, 4)) {
      case 0:
        s += cat({" before ", r.pick(kDeadlines)});
        break;
      case 1:
        s += cat({" for ", r.pick(kNames)});
        break;
      case 2:
        s += cat({" in ", r.pick(kPlaces)});
        break;
      case 3:
        s += cat({" ", r.pick(kPrepositions), " ", noun_phrase().text});
        break;
      default:
        s += cat({" and ", r.pick(kVerbs).base, " ", noun_phrase().text});
        break;
    }
    capitalize(s);
    return s;
  }

  std::string list(std::string_view first_marker, bool numbered) {
    const int items = rng_->between(2, 5);
    std::string out;
    for (int i = 0; i < items; ++i) {
      if (i > 0) out += '\n';
      out += numbered ? cat({std::to_string(i + 1), ". "}) : std::string(first_marker);
      out += sentence();
    }
    return out;
  }

  std::string code_block() {
    const CodeSnippet& c = rng_->pick(kCode);
    return cat({"```", c.lang, "\n", c.code, "\n```"});
  }

  // One markdown block that is not a plain paragraph.
  std::string markdown_block() {
    Rng& r = *rng_;
    const int kind = r.between(0, 26);
    if (kind < 7) return code_block();
    if (kind < 15) return list("- ", false);
    if (kind < 20) return list("", true);
    if (kind < 24) return cat({"**", r.pick(kListLabels), ":**\n", list("- ", false)});
    return cat({"### ", title(), "\n", paragraph(r.between(1, 3))});
  }

  // Multi-block prose of about a random target length in [lo, hi]; the
  // result always lands in [lo, hi] (an over-long block is cut at a sentence end).
  std::string text(std::size_t lo, std::size_t hi, bool markdown) {
    Rng& r = *rng_;
    const std::size_t target = r.between(lo, hi);
    std::string out;
    while (out.size() < target) {
      std::string block;
      if (markdown && !out.empty() && out.size() < lo) {
        block = paragraph(r.between(1, 4));  // keeps any cut below inside plain prose
      } else if (markdown && !out.empty() && r.chance(0.27)) {
        block = markdown_block();
      } else {
        block = paragraph(r.between(1, 4));
      }
      // Undershooting the target is fine once lo is reached; overshooting
      // would skew lengths towards hi.
      const std::size_t sep = out.empty() ? 0 : 2;
      if (!out.empty() && out.size() >= lo && out.size() + sep + block.size() > target) break;
      if (sep != 0) out += "\n\n";
      out += block;
    }
    if (out.size() > hi) cut_at_sentence(out, lo, hi);
    return out;
  }

  // One line of prose in [lo, hi] bytes, cut at a word boundary if needed.
  std::string short_text(std::size_t lo, std::size_t hi) {
    std::string s = sentence();
    while (s.size() < lo) s += cat({" ", sentence()});
    if (s.size() > hi) {
      const std::size_t cut = s.rfind(' ', hi);
      s.resize(cut != std::string::npos && cut >= lo ? cut : hi);
      strip_trailing(s, " ,:");
    }
    return s;
  }

  // A fragment of exactly n bytes or fewer (never splitting a character),
  // as typed into the middle of a document.
  std::string fragment(std::size_t n) {
    Rng& r = *rng_;
    std::string s = r.chance(0.12) ? cat({"\n- ", sentence()}) : cat({" ", sentence()});
    while (s.size() < n) s += cat({" ", sentence()});
    sprinkle_non_ascii(s, 0.03);
    if (s.size() > n) {
      std::size_t end = char_start(s, n);
      if (end == 0) end = char_end(s, 1);
      s.resize(end);
    }
    return s;
  }

  // With probability p, splices 1-3 non-ASCII snippets in at spaces.
  void sprinkle_non_ascii(std::string& s, double p) {
    Rng& r = *rng_;
    if (!r.chance(p) || s.empty()) return;
    const int count = r.between(1, 3);
    for (int i = 0; i < count; ++i) {
      const std::string_view snippet = r.pick(kNonAscii);
      const std::size_t space = s.find(' ', r.index(s.size()));
      if (space == std::string::npos) {
        s += cat({" ", snippet});
      } else {
        s.insert(space, cat({" ", snippet}));
      }
    }
  }

 private:
  // Truncates to the last sentence end in [lo, hi], else to a space before hi.
  static void cut_at_sentence(std::string& s, std::size_t lo, std::size_t hi) {
    for (std::size_t i = hi; i > lo; --i) {
      const char c = s[i - 1];
      if ((c == '.' || c == '?' || c == '!') && (s[i] == ' ' || s[i] == '\n')) {
        s.resize(i);
        return;
      }
    }
    const std::size_t space = s.rfind(' ', hi);
    s.resize(space != std::string::npos && space >= lo ? space : hi);
  }

  Rng* rng_;
};

// ---------------------------------------------------------------------------
// Chat message stream shared by chat and tool_results.
// ---------------------------------------------------------------------------

constexpr std::string_view kToolNames[] = {
    "search_web", "open_file",      "run_shell",    "query_db",
    "fetch_url",  "check_calendar", "send_message", "save_note",
};

// Content bounds; the splice of non-ASCII text needs some headroom below hi.
constexpr std::size_t kContentMin = 150;
constexpr std::size_t kContentMax = 2500;
constexpr std::size_t kSpliceRoom = 48;

class ChatStream {
 public:
  ChatStream(Rng& rng, Prose& prose) : rng_(&rng), prose_(&prose) {}

  Json next_message() {
    if (!pending_.empty()) {
      Json msg = std::move(pending_.front());
      pending_.pop_front();
      return msg;
    }
    if (user_turn_) {
      user_turn_ = false;
      return message("user", content(kContentMin, 900, false));
    }
    if (rng_->chance(0.3)) return tool_calling_message();  // results are queued
    user_turn_ = true;
    return message("assistant", content(300, kContentMax, true));
  }

 private:
  Json message(std::string_view role, std::string text) {
    Json msg = Json::object();
    msg["role"] = role;
    msg["id"] = cat({"msg-", zero_pad(++serial_, 5)});
    msg["content"] = std::move(text);
    return msg;
  }

  std::string content(std::size_t lo, std::size_t hi, bool markdown) {
    std::string s = prose_->text(lo, hi - kSpliceRoom, markdown);
    prose_->sprinkle_non_ascii(s, 0.05);
    return s;
  }

  // Real APIs hand out opaque call ids; random base-36 mimics that.
  std::string call_id() {
    static constexpr std::string_view kDigits = "0123456789abcdefghijklmnopqrstuvwxyz";
    std::string id = "call_";
    for (int i = 0; i < 12; ++i) id += kDigits[rng_->index(kDigits.size())];
    return id;
  }

  Json tool_arguments(std::string_view tool) {
    Rng& r = *rng_;
    Prose& p = *prose_;
    Json args = Json::object();
    if (tool == "search_web") {
      std::string q = p.short_text(15, 70);
      strip_trailing(q, ".?!");
      lowercase(q);
      args["query"] = q;
      args["top_k"] = r.pick({3, 5, 8, 10});
    } else if (tool == "open_file") {
      args["path"] =
          cat({"/home/agent/work/", snake(plural(r.pick(kNouns))), "/", snake(r.pick(kNouns).one),
               "-", std::to_string(r.between(1, 250)), ".md"});
    } else if (tool == "run_shell") {
      args["command"] = r.pick(kShellCommands);
      args["timeout_s"] = r.pick({10, 30, 120});
    } else if (tool == "query_db") {
      args["sql"] = cat({"SELECT id, status, updated_at FROM ", snake(plural(r.pick(kNouns))),
                         " WHERE owner_id = ", std::to_string(r.between(1, 50000)), " LIMIT 50"});
    } else if (tool == "fetch_url") {
      args["url"] = cat({"https://api.example.net/v2/", snake(plural(r.pick(kNouns))), "/",
                         std::to_string(r.between(1, 99999))});
      args["method"] = "GET";
    } else if (tool == "check_calendar") {
      args["person"] = r.pick(kNames);
      args["day"] = cat({"2025-", zero_pad(static_cast<std::uint64_t>(r.between(1, 12)), 2), "-",
                         zero_pad(static_cast<std::uint64_t>(r.between(1, 28)), 2)});
    } else if (tool == "send_message") {
      args["channel"] = cat({"#", snake(r.pick(kNouns).one)});
      args["text"] = p.short_text(40, 240);
    } else {
      args["title"] = p.title();
      args["body"] = p.short_text(60, 300);
    }
    return args;
  }

  Json tool_calling_message() {
    Json msg = message("assistant", content(kContentMin, 400, false));
    Json calls = Json::array();
    const int count = rng_->chance(0.8) ? 1 : 2;
    for (int i = 0; i < count; ++i) {
      const std::string_view tool = rng_->pick(kToolNames);
      Json call = Json::object();
      call["id"] = call_id();
      call["name"] = tool;
      call["arguments"] = tool_arguments(tool);
      Json result = Json::object();
      result["role"] = "tool";
      result["id"] = cat({"msg-", zero_pad(++serial_, 5)});  // after the call's own id
      result["tool_call_id"] = call["id"];
      result["name"] = tool;
      result["content"] = content(kContentMin, kContentMax, true);
      pending_.push_back(std::move(result));
      calls.push_back(std::move(call));
    }
    msg["tool_calls"] = std::move(calls);
    return msg;
  }

  Rng* rng_;
  Prose* prose_;
  std::uint64_t serial_ = 0;
  std::deque<Json> pending_;
  bool user_turn_ = true;
};

// Appends the step's 1-2 messages.
void append_step_messages(Rng& rng, ChatStream& stream, Json& messages) {
  const int count = rng.chance(0.4) ? 1 : 2;
  for (int i = 0; i < count; ++i) messages.push_back(stream.next_message());
}

// ---------------------------------------------------------------------------
// chat
// ---------------------------------------------------------------------------

struct ToolSpec {
  std::string_view name;
  std::string_view params[3];  // "name:type"; empty entries unused
  int timeout_s;
};

constexpr ToolSpec kToolSpecs[] = {
    {"search_web", {"query:string", "top_k:integer", "site:string"}, 20},
    {"open_file", {"path:string", "max_bytes:integer", ""}, 10},
    {"run_shell", {"command:string", "timeout_s:integer", "cwd:string"}, 120},
    {"query_db", {"sql:string", "readonly:boolean", ""}, 60},
    {"fetch_url", {"url:string", "method:string", "follow_redirects:boolean"}, 30},
    {"check_calendar", {"person:string", "day:string", ""}, 10},
    {"send_message", {"channel:string", "text:string", "urgent:boolean"}, 15},
    {"save_note", {"title:string", "body:string", ""}, 10},
};

Json make_tools_config(Prose& prose) {
  Json tools = Json::object();
  for (const auto& spec : kToolSpecs) {
    Json props = Json::object();
    Json required = Json::array();
    for (const auto param : spec.params) {
      if (param.empty()) continue;
      const std::size_t colon = param.find(':');
      const std::string name(param.substr(0, colon));
      Json prop = Json::object();
      prop["type"] = param.substr(colon + 1);
      prop["description"] = prose.short_text(10, 28);
      props[name] = std::move(prop);
      if (required.empty()) required.push_back(name);
    }
    Json params = Json::object();
    params["type"] = "object";
    params["properties"] = std::move(props);
    params["required"] = std::move(required);
    Json tool = Json::object();
    tool["description"] = prose.short_text(30, 64);
    tool["parameters"] = std::move(params);
    tool["timeout_s"] = spec.timeout_s;
    tool["enabled"] = true;
    tools[std::string(spec.name)] = std::move(tool);
  }
  return tools;
}

constexpr std::string_view kModels[] = {"m-large-2025-01", "m-small-2025-03", "m-large-2025-06"};
constexpr double kTemperatures[] = {0.0, 0.1, 0.25, 0.5, 0.7, 0.9};
constexpr std::string_view kPhases[] = {"explore", "plan", "act", "verify", "report", "idle"};
constexpr int kTokenBudgets[] = {1024, 2048, 4096, 8192, 16384};

// Picks an index in [0, n) other than `current`, so a change is never a no-op.
std::size_t other_index(Rng& rng, std::size_t n, std::size_t current) {
  const std::size_t i = rng.index(n - 1);
  return i >= current ? i + 1 : i;
}

class ChatGenerator final : public Generator {
 public:
  explicit ChatGenerator(std::uint64_t seed)
      : rng_(seed), prose_(rng_), stream_(rng_, prose_), tools_(make_tools_config(prose_)) {}

  Json next() override {
    append_step_messages(rng_, stream_, messages_);
    if (rng_.below(13) == 0) change_agent_field();
    Json state = Json::object();
    state["messages"] = messages_;
    state["step"] = step_++;
    state["agent"] = agent();
    state["tools"] = tools_;
    return state;
  }

 private:
  Json agent() const {
    Json a = Json::object();
    a["name"] = "atlas";
    a["model"] = kModels[model_];
    a["temperature"] = kTemperatures[temperature_];
    a["phase"] = kPhases[phase_];
    a["token_budget"] = kTokenBudgets[budget_];
    a["persona"] = "terse, cites sources, asks before destructive actions";
    return a;
  }

  void change_agent_field() {
    switch (rng_.between(0, 3)) {
      case 0:
        model_ = other_index(rng_, std::size(kModels), model_);
        break;
      case 1:
        temperature_ = other_index(rng_, std::size(kTemperatures), temperature_);
        break;
      case 2:
        phase_ = other_index(rng_, std::size(kPhases), phase_);
        break;
      default:
        budget_ = other_index(rng_, std::size(kTokenBudgets), budget_);
        break;
    }
  }

  Rng rng_;
  Prose prose_;
  ChatStream stream_;
  Json tools_;
  Json messages_ = Json::array();
  std::size_t model_ = 0;
  std::size_t temperature_ = 2;
  std::size_t phase_ = 0;
  std::size_t budget_ = 2;
  int step_ = 0;
};

// ---------------------------------------------------------------------------
// doc_edit
// ---------------------------------------------------------------------------

std::string make_document(Rng& r, Prose& p, std::size_t target) {
  std::string doc = cat({"# ", p.title(), "\n\n", p.paragraph(3)});
  int section = 0;
  while (doc.size() < target) {
    const int kind = r.between(0, 99);
    std::string block;
    if (kind < 10) {
      block = cat({"## ", std::to_string(++section), ". ", p.title()});
    } else if (kind < 17) {
      block = cat({"### ", p.title()});
    } else if (kind < 27) {
      block = p.list("- ", false);
    } else if (kind < 32) {
      block = p.list("", true);
    } else if (kind < 36) {
      const int items = r.between(2, 5);
      for (int i = 0; i < items; ++i) {
        block += cat({i > 0 ? "\n" : "", r.chance(0.4) ? "- [x] " : "- [ ] ", p.task_title()});
      }
    } else if (kind < 41) {
      block = p.code_block();
    } else if (kind < 45) {
      std::string a(r.pick(kNouns).one);
      std::string b(r.pick(kNouns).one);
      capitalize(a);
      capitalize(b);
      block = cat({"| ", a, " | ", b, " | Count | Share |\n|---|---|---:|---:|"});
      const int rows = r.between(2, 7);
      for (int i = 0; i < rows; ++i) {
        block += cat({"\n| ", r.pick(kNouns).one, " | ", r.pick(kAdjectives), " | ",
                      std::to_string(r.between(0, 9999)), " | ", std::to_string(r.between(0, 99)),
                      ".", std::to_string(r.between(0, 9)), "% |"});
      }
    } else if (kind < 48) {
      block = cat({"> ", p.paragraph(r.between(1, 2))});
    } else {
      block = p.paragraph(r.between(2, 7));
      p.sprinkle_non_ascii(block, 0.05);
    }
    doc += "\n\n";
    doc += block;
  }
  doc += '\n';
  return doc;
}

class DocEditGenerator final : public Generator {
 public:
  explicit DocEditGenerator(std::uint64_t seed)
      : rng_(seed), prose_(rng_), doc_(make_document(rng_, prose_, 59500)) {}

  Json next() override {
    const int edits = rng_.between(1, 3);
    for (int i = 0; i < edits; ++i) edit();
    history_len_ += static_cast<std::uint64_t>(edits);  // edits applied so far
    Json state = Json::object();
    state["document"] = doc_;
    state["cursor"] = cursor_;  // byte offset into the UTF-8 document
    state["history_len"] = history_len_;
    return state;
  }

 private:
  // One insert / delete / replace of 1-200 bytes at a random character boundary.
  void edit() {
    const int op = rng_.between(0, 9);
    const std::size_t n = rng_.between(std::size_t{1}, std::size_t{200});
    std::size_t pos = char_start(doc_, rng_.index(doc_.size() + 1));
    if (op < 4 || doc_.size() <= n) {
      const std::string text = prose_.fragment(n);
      doc_.insert(pos, text);
      cursor_ = pos + text.size();
      return;
    }
    if (pos > doc_.size() - n) pos = char_start(doc_, doc_.size() - n);
    const std::size_t end = char_end(doc_, pos + n);
    if (op < 7) {
      doc_.erase(pos, end - pos);
      cursor_ = pos;
    } else {
      const std::string text = prose_.fragment(rng_.between(std::size_t{1}, std::size_t{200}));
      doc_.replace(pos, end - pos, text);
      cursor_ = pos + text.size();
    }
  }

  Rng rng_;
  Prose prose_;
  std::string doc_;
  std::size_t cursor_ = 0;
  std::uint64_t history_len_ = 0;
};

// ---------------------------------------------------------------------------
// kv_churn
// ---------------------------------------------------------------------------

constexpr std::string_view kScopes[] = {
    "app", "db", "http", "job", "ui", "user", "feature", "metrics", "queue", "llm",
};
constexpr std::string_view kAttributes[] = {
    "limit", "count", "ratio",     "label",     "enabled", "ttl",
    "owner", "mode",  "last_seen", "threshold", "budget",  "status",
};
constexpr double kPow10[] = {1.0, 10.0, 100.0, 1000.0, 10000.0};

class KvChurnGenerator final : public Generator {
 public:
  explicit KvChurnGenerator(std::uint64_t seed) : rng_(seed), prose_(rng_) {
    for (int i = 0; i < 2000; ++i) add_var();
  }

  Json next() override {
    const int modified = rng_.between(1, 20);
    for (int i = 0; i < modified; ++i) modify_var();
    const int added = rng_.between(0, 3);
    for (int i = 0; i < added; ++i) add_var();
    const int removed = rng_.between(0, 3);
    for (int i = 0; i < removed && keys_.size() > 1; ++i) {
      const std::size_t idx = rng_.index(keys_.size());
      vars_.erase(keys_[idx]);
      keys_.erase(keys_.begin() + static_cast<std::ptrdiff_t>(idx));
    }
    Json state = Json::object();
    state["vars"] = vars_;
    state["counter"] = counter_++;
    return state;
  }

 private:
  Json random_value() {
    const int kind = rng_.between(0, 99);
    if (kind < 35) return rng_.between64(-500, 99999);
    if (kind < 50) {
      // A decimal with 0-4 places: an exact integer divided by an exact power
      // of ten is correctly rounded, hence portable; 0 places gives e.g. -941.0.
      const std::size_t places = rng_.index(5);
      const auto scale = static_cast<std::int64_t>(kPow10[places]);
      return static_cast<double>(rng_.between64(-1000 * scale, 1000 * scale)) / kPow10[places];
    }
    if (kind < 62) return rng_.chance(0.5);
    if (kind < 66) return nullptr;
    if (kind < 85) return cat({rng_.pick(kAdjectives), "-", snake(rng_.pick(kNouns).one)});
    std::string phrase = prose_.short_text(5, 40);
    strip_trailing(phrase, ".?!");
    return phrase;
  }

  void add_var() {
    std::string key = cat({rng_.pick(kScopes), ".", snake(rng_.pick(kNouns).one), ".",
                           rng_.pick(kAttributes), "_", std::to_string(++serial_)});
    vars_[key] = random_value();  // serial keeps keys unique, so this appends
    keys_.push_back(std::move(key));
  }

  void modify_var() {
    Json& value = vars_[keys_[rng_.index(keys_.size())]];
    if (value.is_boolean()) {
      value = !value.get<bool>();
    } else if (value.is_number_integer() && rng_.chance(0.7)) {
      std::int64_t delta = rng_.between64(-50, 49);
      if (delta >= 0) ++delta;  // never zero
      value = value.get<std::int64_t>() + delta;
    } else {
      Json fresh = random_value();
      while (fresh == value) fresh = random_value();
      value = std::move(fresh);
    }
  }

  Rng rng_;
  Prose prose_;
  Json vars_ = Json::object();
  std::vector<std::string> keys_;  // insertion order, for O(1) random choice
  std::uint64_t serial_ = 0;
  int counter_ = 0;
};

// ---------------------------------------------------------------------------
// tool_results
// ---------------------------------------------------------------------------

std::string timestamp(Rng& r) {
  return cat({"2025-", zero_pad(static_cast<std::uint64_t>(r.between(1, 12)), 2), "-",
              zero_pad(static_cast<std::uint64_t>(r.between(1, 28)), 2), "T",
              zero_pad(static_cast<std::uint64_t>(r.between(0, 23)), 2), ":",
              zero_pad(static_cast<std::uint64_t>(r.between(0, 59)), 2), ":",
              zero_pad(static_cast<std::uint64_t>(r.between(0, 59)), 2), "Z"});
}

// A query result: `count` order-line records; ids are unique per batch.
Json make_records(Rng& r, int batch, int count) {
  Json records = Json::array();
  for (int i = 0; i < count; ++i) {
    Json rec = Json::object();
    rec["id"] = static_cast<std::int64_t>(batch) * 100000 + i;
    rec["sku"] = cat({"SKU-", zero_pad(r.below(100000), 5)});
    rec["customer"] = cat({r.pick(kNames), " ", r.pick(kNames).substr(0, 1), "."});
    rec["region"] = r.pick(kPlaces);
    rec["qty"] = r.between(1, 250);
    rec["unit_price"] = static_cast<double>(r.between64(50, 250000)) / 100.0;
    rec["in_stock"] = r.chance(0.75);
    Json labels = Json::array();
    const int nlabels = r.between(0, 3);
    for (int j = 0; j < nlabels; ++j) labels.push_back(r.pick(kAdjectives));
    rec["labels"] = std::move(labels);
    rec["updated_at"] = timestamp(r);
    records.push_back(std::move(rec));
  }
  return records;
}

class ToolResultsGenerator final : public Generator {
 public:
  explicit ToolResultsGenerator(std::uint64_t seed)
      : rng_(seed), prose_(rng_), stream_(rng_, prose_) {}

  Json next() override {
    append_step_messages(rng_, stream_, messages_);
    if (step_ % 10 == 0) last_result_ = make_records(rng_, step_ / 10, rng_.between(200, 1000));
    Json state = Json::object();
    state["messages"] = messages_;
    state["step"] = step_++;
    state["last_result"] = last_result_;
    return state;
  }

 private:
  Rng rng_;
  Prose prose_;
  ChatStream stream_;
  Json messages_ = Json::array();
  Json last_result_ = Json::array();
  int step_ = 0;
};

// ---------------------------------------------------------------------------
// plan_edit
// ---------------------------------------------------------------------------

constexpr std::string_view kStatuses[] = {"todo", "doing", "blocked", "waiting", "done", "dropped"};
constexpr std::size_t kMinTasks = 50;
constexpr std::size_t kMaxTasks = 150;
constexpr std::size_t kMaxNotes = 360;

class PlanEditGenerator final : public Generator {
 public:
  explicit PlanEditGenerator(std::uint64_t seed) : rng_(seed), prose_(rng_) {
    for (int i = 0; i < 100; ++i) tasks_.push_back(new_task());
  }

  Json next() override {
    // Weights: insert + remove 40, move 15, status 25, notes 20. The
    // insert/remove split leans towards ~100 tasks so the plan does not drift
    // to a size limit; at a limit the two swap roles so every step still edits.
    const int size = static_cast<int>(tasks_.size());
    const int insert_share = std::clamp(20 + (100 - size) / 4, 8, 32);
    int op = rng_.between(0, 99);
    const bool structural = op < 40;
    bool insert = structural && op < insert_share;
    if (structural && insert && tasks_.size() >= kMaxTasks) insert = false;
    if (structural && !insert && tasks_.size() <= kMinTasks) insert = true;
    if (insert) {
      const std::size_t n = tasks_.size();
      const std::size_t at = rng_.between(n / 4, (3 * n) / 4);
      tasks_.insert(tasks_.begin() + static_cast<std::ptrdiff_t>(at), new_task());
    } else if (structural) {
      tasks_.erase(tasks_.begin() + static_cast<std::ptrdiff_t>(rng_.index(tasks_.size())));
    } else if (op < 55) {
      const std::size_t from = rng_.index(tasks_.size());
      const std::size_t to = other_index(rng_, tasks_.size(), from);
      Task moved = std::move(tasks_[from]);
      tasks_.erase(tasks_.begin() + static_cast<std::ptrdiff_t>(from));
      tasks_.insert(tasks_.begin() + static_cast<std::ptrdiff_t>(to), std::move(moved));
    } else if (op < 80) {
      Task& t = tasks_[rng_.index(tasks_.size())];
      t.status = other_index(rng_, std::size(kStatuses), t.status);
    } else {
      Task& t = tasks_[rng_.index(tasks_.size())];
      if (!t.notes.empty() && rng_.chance(0.5)) {
        t.notes += cat({" ", prose_.sentence()});  // appending always changes it
      } else {
        std::string notes = prose_.text(20, kMaxNotes, false);
        while (notes == t.notes) notes = prose_.text(20, kMaxNotes, false);
        t.notes = std::move(notes);
      }
    }
    Json plan = Json::array();
    for (const auto& t : tasks_) {
      Json task = Json::object();
      task["id"] = t.id;
      task["title"] = t.title;
      task["status"] = kStatuses[t.status];
      task["notes"] = t.notes;
      plan.push_back(std::move(task));
    }
    Json state = Json::object();
    state["plan"] = std::move(plan);
    return state;
  }

 private:
  struct Task {
    std::string id;
    std::string title;
    std::size_t status;
    std::string notes;
  };

  Task new_task() {
    Task t;
    t.id = cat({"task-", zero_pad(++serial_, 4)});
    t.title = prose_.task_title();
    const int roll = rng_.between(0, 99);
    t.status = static_cast<std::size_t>(roll < 60 ? 0 : roll < 85 ? 1 : roll < 95 ? 2 : 4);
    if (rng_.chance(0.8)) t.notes = prose_.text(20, kMaxNotes, false);
    return t;
  }

  Rng rng_;
  Prose prose_;
  std::vector<Task> tasks_;
  std::uint64_t serial_ = 0;
};

// ---------------------------------------------------------------------------
// number_flip: numbers at the edges of JSON, changing kind and value
// ---------------------------------------------------------------------------

// Every step changes 1-6 values among 24 named counters, a 32-element list
// and a nested record to another edge value (signed and unsigned integer
// limits, floats that print like integers, -0.0, subnormals, other types),
// and appends one to a log. A checkpoint store must keep each exactly.
class NumberFlipGenerator final : public Generator {
 public:
  explicit NumberFlipGenerator(std::uint64_t seed) : rng_(seed) {
    for (const char* text : kValues) values_.push_back(Json::parse(text));
    values_.push_back(Json(std::int64_t{-1}));  // signed kinds, as a program builds them
    values_.push_back(Json(std::int64_t{0}));
    values_.push_back(Json(std::int64_t{9223372036854775807}));
  }

  Json next() override {
    if (state_.is_null()) {
      state_ = Json::object();
      for (int i = 0; i < 24; ++i) state_["counters"][cat({"c", zero_pad(static_cast<std::uint64_t>(i), 2)})] = any();
      state_["list"] = Json::array();
      for (int i = 0; i < 32; ++i) state_["list"].push_back(any());
      state_["nested"] = {{"record", {{"a", any()}, {"b", Json::array({any(), {{"deep", any()}}})}}}};
      state_["log"] = Json::array();
      return state_;
    }
    const int changes = rng_.between(1, 6);
    for (int c = 0; c < changes; ++c) {
      switch (rng_.between(0, 3)) {
        case 0: {
          auto& counters = state_["counters"];
          auto it = counters.begin();
          std::advance(it, static_cast<std::ptrdiff_t>(rng_.index(counters.size())));
          *it = other_than(*it);
          break;
        }
        case 1: {
          Json& slot = state_["list"][rng_.index(32)];
          slot = other_than(slot);
          break;
        }
        case 2: {
          Json& slot = state_["nested"]["record"]["b"][1]["deep"];
          slot = other_than(slot);
          break;
        }
        default: {
          Json& slot = state_["nested"]["record"]["a"];
          slot = other_than(slot);
          break;
        }
      }
    }
    state_["log"].push_back(any());
    return state_;
  }

 private:
  static constexpr const char* kValues[] = {
      "0", "1", "-1", "18446744073709551615", "18446744073709551614", "9223372036854775807",
      "9223372036854775808", "-9223372036854775808", "-9223372036854775807", "2147483647",
      "2147483648", "-2147483648", "-2147483649", "4294967295", "4294967296", "9007199254740992",
      "9007199254740993", "-9007199254740993", "0.0", "-0.0", "1.0", "-1.0", "1e308", "-1e308",
      "5e-324", "-5e-324", "2.2250738585072014e-308", "0.1", "0.3333333333333333",
      "1.8446744073709552e19", "9.223372036854776e18", "1e2", "true", "false", "null", "\"\"",
      "\"1\"", "\"-1\"", "\"18446744073709551615\"", "[]", "{}", "[null]", "{\"\":null}",
      "[-0.0]", "{\"n\":18446744073709551615}", "{\"n\":-1}"};

  const Json& any() { return values_[rng_.index(values_.size())]; }
  // Another value: one whose text differs (an unsigned 5 and a signed 5 are
  // one value).
  Json other_than(const Json& current) {
    for (;;) {
      const Json& candidate = any();
      if (candidate.dump() != current.dump()) return candidate;
    }
  }

  Rng rng_;
  std::vector<Json> values_;
  Json state_;
};

template <typename G>
std::unique_ptr<Generator> make(std::uint64_t seed) {
  return std::make_unique<G>(seed);
}

}  // namespace

const std::vector<WorkloadInfo>& all() {
  static const std::vector<WorkloadInfo> kAll = {
      {"chat", 400,
       "agent conversation: 1-2 messages appended per step (150-2500 char prose with markdown, "
       "tool calls and results, ~5% non-ASCII), a small agent dict, a static ~2.7KB tools config"},
      {"doc_edit", 300,
       "~60KB markdown document with 1-3 insert/delete/replace edits of 1-200 bytes per step"},
      {"kv_churn", 500,
       "~2000 small scalar vars; per step 1-20 values modified, 0-3 keys added at the end, 0-3 "
       "removed"},
      {"tool_results", 300,
       "chat-like message append plus a 200-1000 record last_result replaced every 10 steps"},
      {"plan_edit", 400,
       "50-150 tasks; per step one insert-in-middle / remove / move / status change / notes "
       "change"},
  };
  return kAll;
}

const std::vector<WorkloadInfo>& test_workloads() {
  static const std::vector<WorkloadInfo> kTests = {
      {"number_flip", 300,
       "edge numbers flipping kind and value (2^64-1, -1, -0.0, 1.0, 5e-324, ...): 1-6 of 60 "
       "values per step, plus one appended"},
  };
  return kTests;
}

std::unique_ptr<Generator> make_generator(std::string_view name, std::uint64_t seed) {
  // Salting with the name keeps workloads that share a seed independent.
  const std::uint64_t salted = seed ^ fnv1a(name);
  if (name == "chat") return make<ChatGenerator>(salted);
  if (name == "doc_edit") return make<DocEditGenerator>(salted);
  if (name == "kv_churn") return make<KvChurnGenerator>(salted);
  if (name == "tool_results") return make<ToolResultsGenerator>(salted);
  if (name == "plan_edit") return make<PlanEditGenerator>(salted);
  if (name == "number_flip") return make<NumberFlipGenerator>(salted);
  throw std::invalid_argument(cat({"unknown workload '", name, "'"}));
}

std::vector<Json> generate(std::string_view name, int steps, std::uint64_t seed) {
  if (steps < 0) throw std::invalid_argument("generate: steps must be >= 0");
  auto gen = make_generator(name, seed);
  std::vector<Json> states;
  states.reserve(static_cast<std::size_t>(steps));
  for (int i = 0; i < steps; ++i) states.push_back(gen->next());
  return states;
}

}  // namespace deltackpt::workloads
