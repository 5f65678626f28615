// PgScratchDb: CREATE DATABASE / DROP DATABASE around one bench run.
#include "pg_scratch.hpp"

#if DELTACKPT_HAVE_POSTGRES
#include <libpq-fe.h>

#include <iostream>
#include <pqxx/pqxx>
#include <stdexcept>

namespace deltackpt::bench {
namespace {

// `url` (URI or key=value) with dbname replaced, as a key=value string.
std::string with_dbname(const std::string& url, const std::string& dbname) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    const std::string why = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    throw std::invalid_argument("bench: cannot parse PostgreSQL URL: " + why);
  }
  const auto quote = [](const std::string& v) {
    std::string out = "'";
    for (const char c : v) {
      if (c == '\'' || c == '\\') out += '\\';
      out += c;
    }
    return out + "'";
  };
  std::string out;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || std::string(o->keyword) == "dbname") continue;
    out += std::string(o->keyword) + "=" + quote(o->val) + " ";
  }
  PQconninfoFree(options);
  return out + "dbname=" + quote(dbname);
}

}  // namespace

PgScratchDb::PgScratchDb(const std::string& server_url, const std::string& name)
    : server_url_(server_url), name_(name), url_(with_dbname(server_url, name)) {
  pqxx::connection admin(server_url_);
  pqxx::nontransaction tx(admin);
  tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name_) + " WITH (FORCE)");
  tx.exec("CREATE DATABASE " + tx.quote_name(name_));
}

PgScratchDb::~PgScratchDb() {
  try {
    pqxx::connection admin(server_url_);
    pqxx::nontransaction tx(admin);
    tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name_) + " WITH (FORCE)");
  } catch (const std::exception& e) {
    std::cerr << "deltackpt-bench: could not drop scratch database " << name_ << ": " << e.what()
              << "\n";
  }
}

std::int64_t PgScratchDb::table_bytes() {
  pqxx::connection cx(url_);
  pqxx::nontransaction tx(cx);
  tx.exec("VACUUM checkpoints, threads");
  const pqxx::result r = tx.exec(
      "SELECT pg_total_relation_size('checkpoints') + pg_total_relation_size('threads')");
  return r[0][0].as<std::int64_t>();
}

}  // namespace deltackpt::bench
#endif
