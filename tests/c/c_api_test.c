/* Tests of the C API (include/deltackpt/c.h), compiled as C99: every
 * function, every status code a caller can provoke, NULL handles and
 * arguments, and the per-thread error messages.
 *
 * Usage: c_api_test WORK_DIR   (a directory for the SQLite files)
 * The test links sqlite3 itself, to damage rows and lock the database. */
#include <pthread.h>
#include <unistd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deltackpt/c.h"

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                   \
  do {                                                                \
    ++checks;                                                         \
    if (!(cond)) {                                                    \
      ++failures;                                                     \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                 \
  } while (0)

/* A call's status, with the message printed when it is not the expected. */
#define CHECK_RC(store, call, expected)                                               \
  do {                                                                                \
    int rc_ = (call);                                                                 \
    ++checks;                                                                         \
    if (rc_ != (expected)) {                                                          \
      ++failures;                                                                     \
      fprintf(stderr, "%s:%d: %s returned %s (%s), expected %s\n", __FILE__, __LINE__, \
              #call, deltackpt_status_name(rc_), deltackpt_errmsg(store),             \
              deltackpt_status_name(expected));                                       \
    }                                                                                 \
  } while (0)

static char work_dir[1024];

static void db_path(char* out, size_t size, const char* name) {
  snprintf(out, size, "%s/%s", work_dir, name);
  remove(out);
  {
    char side[1100];
    snprintf(side, sizeof side, "%s-wal", out);
    remove(side);
    snprintf(side, sizeof side, "%s-shm", out);
    remove(side);
  }
}

static size_t count(const char* haystack, const char* needle) {
  size_t n = 0;
  const char* p = haystack;
  if (haystack == NULL) return 0;
  while ((p = strstr(p, needle)) != NULL) {
    ++n;
    p += strlen(needle);
  }
  return n;
}

static int contains(const char* haystack, const char* needle) {
  return haystack != NULL && strstr(haystack, needle) != NULL;
}

/* Runs one statement on the SQLite file behind the library's back. */
static void sql(const char* path, const char* statement) {
  sqlite3* db = NULL;
  char* err = NULL;
  if (sqlite3_open(path, &db) != SQLITE_OK || sqlite3_exec(db, statement, NULL, NULL, &err) != SQLITE_OK) {
    fprintf(stderr, "sqlite3: %s: %s\n", statement, err != NULL ? err : sqlite3_errmsg(db));
    ++failures;
  }
  sqlite3_free(err);
  sqlite3_close(db);
}

static void test_version_and_names(void) {
  CHECK(strcmp(deltackpt_version(), DELTACKPT_EXPECTED_VERSION) == 0);
  CHECK(strcmp(deltackpt_status_name(DELTACKPT_OK), "ok") == 0);
  CHECK(strcmp(deltackpt_status_name(DELTACKPT_INVALID_ARGUMENT), "invalid_argument") == 0);
  CHECK(strcmp(deltackpt_status_name(DELTACKPT_NOT_FOUND), "not_found") == 0);
  CHECK(strcmp(deltackpt_status_name(DELTACKPT_CONFLICT), "conflict") == 0);
  CHECK(strcmp(deltackpt_status_name(DELTACKPT_CORRUPTION), "corruption") == 0);
  CHECK(strcmp(deltackpt_status_name(DELTACKPT_STORAGE), "storage") == 0);
  CHECK(strcmp(deltackpt_status_name(DELTACKPT_SCHEMA), "schema") == 0);
  CHECK(strcmp(deltackpt_status_name(DELTACKPT_OUT_OF_MEMORY), "out_of_memory") == 0);
  CHECK(strcmp(deltackpt_status_name(DELTACKPT_INTERNAL), "internal") == 0);
  CHECK(strcmp(deltackpt_status_name(99), "unknown") == 0);
  CHECK(strcmp(deltackpt_status_name(-1), "unknown") == 0);
}

/* Every function given a NULL store: INVALID_ARGUMENT, out-parameters NULL. */
static void test_null_handles(void) {
  char sentinel[1];
  char* out = sentinel;
  size_t removed = 7;
  CHECK(deltackpt_open("memory:", NULL, NULL) == DELTACKPT_INVALID_ARGUMENT);
  CHECK(strlen(deltackpt_errmsg(NULL)) > 0);
  CHECK(deltackpt_error_retryable(NULL) == 0);
  deltackpt_close(NULL);
  deltackpt_free(NULL);

  CHECK(deltackpt_save(NULL, "{\"thread_id\":\"t\"}", 0, &out) == DELTACKPT_INVALID_ARGUMENT);
  CHECK(out == NULL);
  out = sentinel;
  CHECK(deltackpt_load(NULL, "t", &out) == DELTACKPT_INVALID_ARGUMENT);
  CHECK(out == NULL);
  out = sentinel;
  CHECK(deltackpt_load_by_id(NULL, "id", &out) == DELTACKPT_INVALID_ARGUMENT);
  CHECK(out == NULL);
  out = sentinel;
  CHECK(deltackpt_list(NULL, "t", NULL, &out) == DELTACKPT_INVALID_ARGUMENT);
  CHECK(out == NULL);
  out = sentinel;
  CHECK(deltackpt_history(NULL, "t", &out) == DELTACKPT_INVALID_ARGUMENT);
  CHECK(out == NULL);
  out = sentinel;
  CHECK(deltackpt_threads(NULL, &out) == DELTACKPT_INVALID_ARGUMENT);
  CHECK(out == NULL);
  CHECK(deltackpt_remove_thread(NULL, "t", &removed) == DELTACKPT_INVALID_ARGUMENT);
  CHECK(removed == 0);
  out = sentinel;
  CHECK(deltackpt_prune(NULL, "t", "{}", &out) == DELTACKPT_INVALID_ARGUMENT);
  CHECK(out == NULL);
  out = sentinel;
  CHECK(deltackpt_stats(NULL, NULL, &out) == DELTACKPT_INVALID_ARGUMENT);
  CHECK(out == NULL);
  out = sentinel;
  CHECK(deltackpt_verify(NULL, NULL, &out) == DELTACKPT_INVALID_ARGUMENT);
  CHECK(out == NULL);
}

/* A failed open still gives a handle that tells why, refuses every call and
 * must be closed. */
static void test_bad_urls_and_options(void) {
  static const char* const bad_options[] = {
      "{",                                   /* not JSON */
      "[]",                                  /* not an object */
      "{\"delta\": true}",                   /* unknown key */
      "{\"deltas\": 1}",                     /* wrong type */
      "{\"full_snapshot_interval\": -1}",
      "{\"full_snapshot_interval\": 0}",
      "{\"full_snapshot_interval\": 2.5}",
      "{\"replay_budget\": \"x\"}",
      "{\"replay_budget\": -1}",
      "{\"max_delta_fraction\": -0.5}",
      "{\"cache_bytes\": -5}",
      "{\"durability\": \"fast\"}",
      "{\"pool_size\": 0}",
      "{\"payload_encoding\": \"zip\"}",
      "{\"migrate\": \"yes\"}",
      "{\"max_depth\": 0}",
      "{\"max_depth\": 1001}",
      "{\"max_depth\": 99999999999}",
      "{\"max_id_bytes\": 0}",
      "{\"max_state_bytes\": -1}",
  };
  char path[1100];
  char url[1200];
  deltackpt_store_t* store = NULL;
  char* out = NULL;
  size_t i;

  CHECK(deltackpt_open("ftp://example/x", NULL, &store) == DELTACKPT_INVALID_ARGUMENT);
  CHECK(store != NULL);
  CHECK(contains(deltackpt_errmsg(store), "ftp://example/x"));
  CHECK(deltackpt_error_retryable(store) == 0);
  CHECK_RC(store, deltackpt_load(store, "t", &out), DELTACKPT_INVALID_ARGUMENT);
  CHECK(contains(deltackpt_errmsg(store), "not open"));
  CHECK(out == NULL);
  CHECK_RC(store, deltackpt_threads(store, &out), DELTACKPT_INVALID_ARGUMENT);
  deltackpt_close(store);

  store = NULL;
  CHECK(deltackpt_open(NULL, NULL, &store) == DELTACKPT_INVALID_ARGUMENT);
  CHECK(contains(deltackpt_errmsg(store), "url is NULL"));
  deltackpt_close(store);

  store = NULL;
  CHECK(deltackpt_open("sqlite:/nonexistent-deltackpt-dir/x.db", NULL, &store) == DELTACKPT_STORAGE);
  CHECK(strlen(deltackpt_errmsg(store)) > 0);
  deltackpt_close(store);

  /* Read only: a missing file is not created. */
  store = NULL;
  db_path(path, sizeof path, "never-created.db");
  snprintf(url, sizeof url, "sqlite:%s", path);
  CHECK(deltackpt_open(url, "{\"read_only\": true}", &store) == DELTACKPT_NOT_FOUND);
  CHECK(contains(deltackpt_errmsg(store), "no database at"));
  deltackpt_close(store);
  CHECK(access(path, F_OK) != 0);

  /* PostgreSQL: refused by a build without it, unreachable in one with it. */
  store = NULL;
  {
    int rc = deltackpt_open("postgresql://127.0.0.1:1/none?connect_timeout=2", NULL, &store);
    CHECK(rc == DELTACKPT_INVALID_ARGUMENT || rc == DELTACKPT_STORAGE);
  }
  deltackpt_close(store);

  db_path(path, sizeof path, "options.db");
  snprintf(url, sizeof url, "sqlite:%s", path);
  for (i = 0; i < sizeof bad_options / sizeof bad_options[0]; ++i) {
    store = NULL;
    CHECK_RC(store, deltackpt_open(url, bad_options[i], &store), DELTACKPT_INVALID_ARGUMENT);
    if (strlen(deltackpt_errmsg(store)) == 0) {
      fprintf(stderr, "no message for options %s\n", bad_options[i]);
      ++failures;
    }
    deltackpt_close(store);
  }
  store = NULL;
  CHECK(deltackpt_open(url, "{\"delta\": true}", &store) == DELTACKPT_INVALID_ARGUMENT);
  CHECK(contains(deltackpt_errmsg(store), "unknown key \"delta\""));
  deltackpt_close(store);

  /* Empty and null-valued options are the defaults. */
  store = NULL;
  CHECK_RC(store, deltackpt_open(url, "", &store), DELTACKPT_OK);
  CHECK(strcmp(deltackpt_errmsg(store), "") == 0);
  deltackpt_close(store);
  store = NULL;
  CHECK_RC(store, deltackpt_open(url, "{\"cache_bytes\": null}", &store), DELTACKPT_OK);
  deltackpt_close(store);
}

/* Large enough that a step's delta is much smaller than its state. */
static const char kSystemPrompt[] =
    "You are a careful assistant. Answer briefly, cite what you use, and say so when you do not know. "
    "Tools: search(query), fetch(url), calculator(expression). Never invent a tool result. "
    "Keep the conversation friendly, and ask before doing anything that cannot be undone.";

/* Saves step i of thread `thread` with a growing message list. */
static int save_step(deltackpt_store_t* store, const char* thread, int i, char** id) {
  char json[4096];
  char messages[2048] = "";
  int k;
  for (k = 0; k <= i; ++k) {
    char m[32];
    snprintf(m, sizeof m, "%s\"m%d\"", k == 0 ? "" : ",", k);
    strcat(messages, m);
  }
  snprintf(json, sizeof json,
           "{\"thread_id\":\"%s\",\"step\":%d,\"state\":{\"system\":\"%s\",\"messages\":[%s],"
           "\"n\":%d,\"f\":1.0},\"pending_nodes\":[\"agent\"],\"metadata\":{\"source\":\"loop\",\"i\":%d}}",
           thread, i, kSystemPrompt, messages, i, i);
  return deltackpt_save(store, json, 0, id);
}

static void test_round_trip_and_errors(const char* path, char ids[5][80]) {
  static const char* const bad_checkpoints[] = {
      "not json",
      "[]",
      "{\"state\":{}}",                                        /* no thread_id */
      "{\"thread_id\":\"\",\"state\":{}}",
      "{\"thread_id\":7,\"state\":{}}",
      "{\"thread_id\":\"t1\",\"state\":[1]}",                  /* state not an object */
      "{\"thread_id\":\"t1\",\"metadata\":[]}",
      "{\"thread_id\":\"t1\",\"stat\":{}}",                    /* unknown key */
      "{\"thread_id\":\"t1\",\"step\":\"x\"}",
      "{\"thread_id\":\"t1\",\"step\":1.5}",
      "{\"thread_id\":\"t1\",\"step\":18446744073709551615}",  /* beyond int64 */
      "{\"thread_id\":\"t1\",\"pending_nodes\":[1]}",
      "{\"thread_id\":\"t1\",\"created_at\":\"yesterday\"}",
      "{\"thread_id\":\"t1\",\"state\":{\"s\":\"\xff\"}}",    /* invalid UTF-8 */
      "{\"thread_id\":\"t1\",\"state\":{}} trailing",
  };
  char url[1200];
  deltackpt_store_t* store = NULL;
  char* out = NULL;
  char* id = NULL;
  size_t removed = 0;
  size_t i;
  char json[512];

  snprintf(url, sizeof url, "sqlite:%s", path);
  CHECK_RC(store,
           deltackpt_open(url,
                          "{\"deltas\": true, \"full_snapshot_interval\": 3, \"replay_budget\": 1.0,"
                          " \"cache_bytes\": 1048576, \"durability\": \"normal\", \"pool_size\": 2,"
                          " \"payload_encoding\": \"json\", \"migrate\": true}",
                          &store),
           DELTACKPT_OK);
  if (store == NULL) return;

  for (i = 0; i < 5; ++i) {
    id = NULL;
    CHECK_RC(store, save_step(store, "t1", (int)i, &id), DELTACKPT_OK);
    CHECK(id != NULL && strlen(id) > 0 && strlen(id) < 80);
    if (id != NULL) snprintf(ids[i], 80, "%s", id);
    CHECK(strcmp(deltackpt_errmsg(store), "") == 0);
    deltackpt_free(id);
  }

  /* Latest: the state exactly as saved (key order, 1.0 stays 1.0). */
  CHECK_RC(store, deltackpt_load(store, "t1", &out), DELTACKPT_OK);
  CHECK(contains(out, "\"state\":{\"system\":\"You are"));
  CHECK(contains(out, "\"messages\":[\"m0\",\"m1\",\"m2\",\"m3\",\"m4\"],\"n\":4,\"f\":1.0}"));
  CHECK(contains(out, "\"thread_id\":\"t1\""));
  CHECK(contains(out, "\"step\":4"));
  CHECK(contains(out, "\"pending_nodes\":[\"agent\"]"));
  CHECK(contains(out, "\"metadata\":{\"source\":\"loop\",\"i\":4}"));
  CHECK(contains(out, ids[4]) && contains(out, ids[3]));
  CHECK(contains(out, "\"created_at\":\"20"));
  deltackpt_free(out);

  /* By id, and absence. */
  CHECK_RC(store, deltackpt_load_by_id(store, ids[1], &out), DELTACKPT_OK);
  CHECK(contains(out, "\"messages\":[\"m0\",\"m1\"]"));
  snprintf(json, sizeof json, "\"parent_id\":\"%s\"", ids[0]);
  CHECK(contains(out, json));
  deltackpt_free(out);
  CHECK_RC(store, deltackpt_load_by_id(store, ids[0], &out), DELTACKPT_OK);
  CHECK(contains(out, "\"parent_id\":null"));
  deltackpt_free(out);
  out = (char*)json;
  CHECK_RC(store, deltackpt_load_by_id(store, "no-such-checkpoint", &out), DELTACKPT_OK);
  CHECK(out == NULL);
  out = (char*)json;
  CHECK_RC(store, deltackpt_load(store, "no-such-thread", &out), DELTACKPT_OK);
  CHECK(out == NULL);
  CHECK_RC(store, deltackpt_load(store, NULL, &out), DELTACKPT_INVALID_ARGUMENT);
  CHECK_RC(store, deltackpt_load(store, "t1", NULL), DELTACKPT_INVALID_ARGUMENT);
  CHECK_RC(store, deltackpt_load(store, "", &out), DELTACKPT_INVALID_ARGUMENT);
  CHECK_RC(store, deltackpt_load_by_id(store, NULL, &out), DELTACKPT_INVALID_ARGUMENT);

  /* Info: the header, without the state; NULL for an unknown id. */
  CHECK_RC(store, deltackpt_info(store, ids[2], &out), DELTACKPT_OK);
  snprintf(json, sizeof json, "\"parent_id\":\"%s\"", ids[1]);
  CHECK(contains(out, json) && contains(out, "\"step\":2") && contains(out, "\"thread_id\":\"t1\""));
  CHECK(contains(out, "\"state_bytes\":") && !contains(out, "\"state\":"));
  deltackpt_free(out);
  out = (char*)json;
  CHECK_RC(store, deltackpt_info(store, "no-such-checkpoint", &out), DELTACKPT_OK);
  CHECK(out == NULL);
  CHECK_RC(store, deltackpt_info(store, NULL, &out), DELTACKPT_INVALID_ARGUMENT);
  CHECK_RC(store, deltackpt_info(store, ids[0], NULL), DELTACKPT_INVALID_ARGUMENT);

  /* A retried save (same id, same content) succeeds; other content under
   * that id is a conflict; a root starts over in the same thread. */
  snprintf(json, sizeof json, "{\"thread_id\":\"retry\",\"checkpoint_id\":\"r-1\",\"state\":{\"a\":1}}");
  CHECK_RC(store, deltackpt_save(store, json, 0, NULL), DELTACKPT_OK);
  CHECK_RC(store, deltackpt_save(store, json, 0, NULL), DELTACKPT_OK);
  snprintf(json, sizeof json, "{\"thread_id\":\"retry\",\"checkpoint_id\":\"r-1\",\"state\":{\"a\":2}}");
  CHECK_RC(store, deltackpt_save(store, json, 0, NULL), DELTACKPT_CONFLICT);
  CHECK(contains(deltackpt_errmsg(store), "other content"));
  CHECK_RC(store, deltackpt_save(store, "{\"thread_id\":\"retry\",\"checkpoint_id\":\"r-2\",\"state\":{\"b\":1}}",
                                 DELTACKPT_SAVE_ROOT, NULL),
           DELTACKPT_OK);
  CHECK_RC(store, deltackpt_load(store, "retry", &out), DELTACKPT_OK);
  CHECK(contains(out, "\"checkpoint_id\":\"r-2\"") && contains(out, "\"parent_id\":null"));
  deltackpt_free(out);
  CHECK_RC(store, deltackpt_list(store, "retry", NULL, &out), DELTACKPT_OK);
  CHECK(count(out, "\"checkpoint_id\"") == 2);
  deltackpt_free(out);
  CHECK_RC(store, deltackpt_save(store, "{\"thread_id\":\"retry\",\"parent_id\":\"r-1\",\"state\":{}}",
                                 DELTACKPT_SAVE_ROOT, NULL),
           DELTACKPT_INVALID_ARGUMENT);
  CHECK_RC(store, deltackpt_remove_thread(store, "retry", &removed), DELTACKPT_OK);
  CHECK(removed == 2);

  /* List: newest first, limit, before, metadata filter. */
  CHECK_RC(store, deltackpt_list(store, "t1", NULL, &out), DELTACKPT_OK);
  CHECK(count(out, "\"checkpoint_id\"") == 5);
  CHECK(out != NULL && strstr(out, ids[4]) < strstr(out, ids[0]));
  CHECK(contains(out, "\"kind\":\"full\"") && contains(out, "\"kind\":\"delta\""));
  CHECK(contains(out, "\"stored_bytes\":") && contains(out, "\"state_bytes\":"));
  CHECK(!contains(out, "\"state\":"));
  deltackpt_free(out);
  CHECK_RC(store, deltackpt_list(store, "t1", "{\"limit\": 2}", &out), DELTACKPT_OK);
  CHECK(count(out, "\"checkpoint_id\"") == 2 && contains(out, ids[4]) && contains(out, ids[3]));
  deltackpt_free(out);
  snprintf(json, sizeof json, "{\"before\": \"%s\"}", ids[2]);
  CHECK_RC(store, deltackpt_list(store, "t1", json, &out), DELTACKPT_OK);
  CHECK(count(out, "\"checkpoint_id\"") == 2 && contains(out, ids[1]) && contains(out, ids[0]));
  deltackpt_free(out);
  CHECK_RC(store, deltackpt_list(store, "t1", "{\"metadata_filter\": {\"i\": 3}}", &out), DELTACKPT_OK);
  CHECK(count(out, "\"checkpoint_id\"") == 1 && contains(out, ids[3]));
  deltackpt_free(out);
  CHECK_RC(store, deltackpt_list(store, "no-such-thread", "", &out), DELTACKPT_OK);
  CHECK(out != NULL && strcmp(out, "[]") == 0);
  deltackpt_free(out);
  CHECK_RC(store, deltackpt_list(store, "t1", "{\"limit\": -1}", &out), DELTACKPT_INVALID_ARGUMENT);
  CHECK(out == NULL);
  CHECK_RC(store, deltackpt_list(store, "t1", "{\"bogus\": 1}", &out), DELTACKPT_INVALID_ARGUMENT);
  CHECK_RC(store, deltackpt_list(store, "t1", "{\"metadata_filter\": 1}", &out), DELTACKPT_INVALID_ARGUMENT);
  CHECK_RC(store, deltackpt_list(store, "t1", "limit=2", &out), DELTACKPT_INVALID_ARGUMENT);
  CHECK(contains(deltackpt_errmsg(store), "not valid JSON"));
  /* NULL thread: every thread. */
  CHECK_RC(store, deltackpt_list(store, NULL, NULL, &out), DELTACKPT_OK);
  CHECK(out != NULL && contains(out, "\"thread_id\":\"t1\""));
  deltackpt_free(out);
  out = NULL;
  CHECK_RC(store, deltackpt_list(store, "t1", NULL, NULL), DELTACKPT_INVALID_ARGUMENT);

  /* History: oldest first, every state. */
  CHECK_RC(store, deltackpt_history(store, "t1", &out), DELTACKPT_OK);
  CHECK(count(out, "\"state\":") == 5);
  CHECK(out != NULL && strstr(out, ids[0]) < strstr(out, ids[4]));
  CHECK(contains(out, "\"messages\":[\"m0\",\"m1\",\"m2\"],\"n\":2"));
  deltackpt_free(out);
  CHECK_RC(store, deltackpt_history(store, "no-such-thread", &out), DELTACKPT_OK);
  CHECK(out != NULL && strcmp(out, "[]") == 0);
  deltackpt_free(out);
  CHECK_RC(store, deltackpt_history(store, NULL, &out), DELTACKPT_INVALID_ARGUMENT);
  CHECK_RC(store, deltackpt_history(store, "t1", NULL), DELTACKPT_INVALID_ARGUMENT);

  /* Bad input writes nothing. */
  for (i = 0; i < sizeof bad_checkpoints / sizeof bad_checkpoints[0]; ++i) {
    id = (char*)json;
    CHECK_RC(store, deltackpt_save(store, bad_checkpoints[i], 0, &id), DELTACKPT_INVALID_ARGUMENT);
    CHECK(id == NULL);
    if (strlen(deltackpt_errmsg(store)) == 0) {
      fprintf(stderr, "no message for checkpoint %s\n", bad_checkpoints[i]);
      ++failures;
    }
  }
  CHECK_RC(store, deltackpt_save(store, NULL, 0, &id), DELTACKPT_INVALID_ARGUMENT);
  CHECK_RC(store, deltackpt_save(store, "", 0, &id), DELTACKPT_INVALID_ARGUMENT);
  CHECK_RC(store, deltackpt_save(store, "{\"thread_id\":\"t1\"}", 4u, &id), DELTACKPT_INVALID_ARGUMENT);
  CHECK(contains(deltackpt_errmsg(store), "flags"));
  CHECK_RC(store, deltackpt_save(store, "{\"thread_id\":\"t1\"}", DELTACKPT_SAVE_FORK | DELTACKPT_SAVE_ROOT, &id),
           DELTACKPT_INVALID_ARGUMENT);
  CHECK(contains(deltackpt_errmsg(store), "root"));
  CHECK_RC(store, deltackpt_list(store, "t1", NULL, &out), DELTACKPT_OK);
  CHECK(count(out, "\"checkpoint_id\"") == 5);
  deltackpt_free(out);

  /* Unknown parent: NOT_FOUND. */
  CHECK_RC(store, deltackpt_save(store, "{\"thread_id\":\"t1\",\"parent_id\":\"no-such-id\",\"state\":{}}", 0, &id),
           DELTACKPT_NOT_FOUND);
  CHECK(contains(deltackpt_errmsg(store), "no-such-id"));
  CHECK_RC(store,
           deltackpt_save(store, "{\"thread_id\":\"t1\",\"parent_id\":\"no-such-id\",\"state\":{}}",
                          DELTACKPT_SAVE_FORK, &id),
           DELTACKPT_NOT_FOUND);

  /* Conflicts: an old parent without the fork flag; a duplicate id. */
  snprintf(json, sizeof json,
           "{\"thread_id\":\"t1\",\"parent_id\":\"%s\",\"step\":3,\"state\":{\"messages\":[\"fork\"]}}", ids[2]);
  CHECK_RC(store, deltackpt_save(store, json, 0, &id), DELTACKPT_CONFLICT);
  CHECK(id == NULL);
  CHECK(deltackpt_error_retryable(store) == 0);
  CHECK_RC(store, deltackpt_save(store, json, DELTACKPT_SAVE_FORK, &id), DELTACKPT_OK);
  CHECK_RC(store, deltackpt_load(store, "t1", &out), DELTACKPT_OK);
  CHECK(id != NULL && contains(out, id) && contains(out, "\"messages\":[\"fork\"]"));
  deltackpt_free(out);
  deltackpt_free(id);
  snprintf(json, sizeof json, "{\"thread_id\":\"t1\",\"checkpoint_id\":\"%s\",\"state\":{}}", ids[0]);
  CHECK_RC(store, deltackpt_save(store, json, 0, NULL), DELTACKPT_CONFLICT);
  /* An explicit id, a time and a NULL id out-parameter. */
  CHECK_RC(store,
           deltackpt_save(store,
                          "{\"thread_id\":\"t3\",\"checkpoint_id\":\"my-id\",\"parent_id\":null,\"step\":-2,"
                          "\"state\":{\"big\":9223372036854775807},\"created_at\":\"2024-01-02T03:04:05.5Z\"}",
                          0, NULL),
           DELTACKPT_OK);
  CHECK_RC(store, deltackpt_load_by_id(store, "my-id", &out), DELTACKPT_OK);
  CHECK(contains(out, "\"created_at\":\"2024-01-02T03:04:05.500000Z\""));
  CHECK(contains(out, "\"step\":-2") && contains(out, "9223372036854775807"));
  deltackpt_free(out);

  /* Threads, stats, verify. */
  CHECK_RC(store, deltackpt_threads(store, &out), DELTACKPT_OK);
  CHECK(out != NULL && strcmp(out, "[\"t1\",\"t3\"]") == 0);
  deltackpt_free(out);
  CHECK_RC(store, deltackpt_threads(store, NULL), DELTACKPT_INVALID_ARGUMENT);
  CHECK_RC(store, deltackpt_stats(store, NULL, &out), DELTACKPT_OK);
  CHECK(contains(out, "\"total\":{") && contains(out, "\"threads\":2") && contains(out, "\"checkpoints\":7"));
  CHECK(contains(out, "\"saves\":{") && contains(out, "\"deltas_refused\":0"));
  deltackpt_free(out);
  CHECK_RC(store, deltackpt_stats(store, "t1", &out), DELTACKPT_OK);
  CHECK(contains(out, "\"thread_id\":\"t1\"") && contains(out, "\"checkpoints\":6") &&
        contains(out, "\"delta_rows\":"));
  deltackpt_free(out);
  CHECK_RC(store, deltackpt_stats(store, "t1", NULL), DELTACKPT_INVALID_ARGUMENT);
  CHECK_RC(store, deltackpt_verify(store, NULL, &out), DELTACKPT_OK);
  CHECK(contains(out, "\"ok\":true") && contains(out, "\"checkpoints\":7") && contains(out, "\"problems\":[]"));
  deltackpt_free(out);
  CHECK_RC(store, deltackpt_verify(store, "t3", &out), DELTACKPT_OK);
  CHECK(contains(out, "\"checkpoints\":1"));
  deltackpt_free(out);
  CHECK_RC(store, deltackpt_verify(store, "", NULL), DELTACKPT_INVALID_ARGUMENT);

  /* Prune and remove. */
  for (i = 0; i < 10; ++i) CHECK_RC(store, save_step(store, "t2", (int)i, NULL), DELTACKPT_OK);
  CHECK_RC(store, deltackpt_prune(store, "t2", "{\"max_age_seconds\": 86400}", &out), DELTACKPT_OK);
  CHECK(out != NULL && strcmp(out, "{\"removed\":0,\"rewritten\":0}") == 0);
  deltackpt_free(out);
  CHECK_RC(store, deltackpt_prune(store, "t2", "{\"keep_last\": 3}", &out), DELTACKPT_OK);
  CHECK(contains(out, "\"removed\":7"));
  deltackpt_free(out);
  CHECK_RC(store, deltackpt_load(store, "t2", &out), DELTACKPT_OK);
  CHECK(contains(out, "\"n\":9"));
  deltackpt_free(out);
  CHECK_RC(store, deltackpt_prune(store, "t2", "{}", NULL), DELTACKPT_OK);
  CHECK_RC(store, deltackpt_prune(store, "t2", "{\"keep_last\": \"3\"}", &out), DELTACKPT_INVALID_ARGUMENT);
  CHECK(out == NULL);
  CHECK_RC(store, deltackpt_prune(store, "t2", "{\"max_age_seconds\": -1}", &out), DELTACKPT_INVALID_ARGUMENT);
  CHECK_RC(store, deltackpt_prune(store, "t2", "{\"keep\": 1}", &out), DELTACKPT_INVALID_ARGUMENT);
  CHECK_RC(store, deltackpt_prune(store, "t2", NULL, &out), DELTACKPT_INVALID_ARGUMENT);
  CHECK_RC(store, deltackpt_prune(store, NULL, "{}", &out), DELTACKPT_INVALID_ARGUMENT);
  CHECK_RC(store, deltackpt_remove_thread(store, "t2", &removed), DELTACKPT_OK);
  CHECK(removed == 3);
  CHECK_RC(store, deltackpt_remove_thread(store, "t2", &removed), DELTACKPT_OK);
  CHECK(removed == 0);
  CHECK_RC(store, deltackpt_remove_thread(store, "t3", NULL), DELTACKPT_OK);
  CHECK_RC(store, deltackpt_remove_thread(store, NULL, &removed), DELTACKPT_INVALID_ARGUMENT);
  CHECK_RC(store, deltackpt_threads(store, &out), DELTACKPT_OK);
  CHECK(out != NULL && strcmp(out, "[\"t1\"]") == 0);
  deltackpt_free(out);

  deltackpt_close(store);
}

/* A damaged row: loads through it fail with CORRUPTION naming it, verify
 * reports it, rows outside its chain still load. */
static void test_corrupt_row(const char* path, char ids[5][80]) {
  char url[1200];
  char statement[512];
  deltackpt_store_t* store = NULL;
  char* out = NULL;

  snprintf(statement, sizeof statement,
           "UPDATE checkpoints SET payload = CAST('{\"messages\":[\"m0\"],\"n\":' AS BLOB)"
           " WHERE checkpoint_id = '%s'",
           ids[0]);
  sql(path, statement);
  snprintf(url, sizeof url, "sqlite:%s", path);
  CHECK_RC(store, deltackpt_open(url, NULL, &store), DELTACKPT_OK);
  if (store == NULL) return;
  CHECK_RC(store, deltackpt_load_by_id(store, ids[1], &out), DELTACKPT_CORRUPTION);
  CHECK(out == NULL);
  CHECK(contains(deltackpt_errmsg(store), ids[0]));
  CHECK(deltackpt_error_retryable(store) == 0);
  CHECK_RC(store, deltackpt_load_by_id(store, ids[0], &out), DELTACKPT_CORRUPTION);
  /* ids[3] starts a new chain (full_snapshot_interval 3): unaffected. */
  CHECK_RC(store, deltackpt_load_by_id(store, ids[3], &out), DELTACKPT_OK);
  CHECK(contains(out, "\"n\":3"));
  deltackpt_free(out);
  CHECK_RC(store, deltackpt_history(store, "t1", &out), DELTACKPT_CORRUPTION);
  CHECK(out == NULL);
  CHECK_RC(store, deltackpt_verify(store, NULL, &out), DELTACKPT_OK);
  CHECK(contains(out, "\"ok\":false") && contains(out, ids[0]) && contains(out, "\"message\":"));
  deltackpt_free(out);
  deltackpt_close(store);
}

/* Limits given as options take effect: ids, nesting and state size. */
static void test_limits(void) {
  deltackpt_store_t* store = NULL;
  CHECK_RC(store, deltackpt_open("memory:", "{\"max_id_bytes\": 8, \"max_depth\": 3, \"max_state_bytes\": 64}", &store),
           DELTACKPT_OK);
  if (store == NULL) return;
  CHECK_RC(store, deltackpt_save(store, "{\"thread_id\":\"12345678\",\"state\":{\"a\":[[1]]}}", 0, NULL), DELTACKPT_OK);
  CHECK_RC(store, deltackpt_save(store, "{\"thread_id\":\"123456789\",\"state\":{}}", 0, NULL),
           DELTACKPT_INVALID_ARGUMENT);
  CHECK(contains(deltackpt_errmsg(store), "limit of 8"));
  CHECK_RC(store, deltackpt_save(store, "{\"thread_id\":\"t\",\"state\":{\"a\":[[[1]]]}}", 0, NULL),
           DELTACKPT_INVALID_ARGUMENT);
  CHECK(contains(deltackpt_errmsg(store), "3 levels"));
  CHECK_RC(store, deltackpt_save(store,
                                 "{\"thread_id\":\"t\",\"state\":{\"s\":\"0123456789012345678901234567890123456789"
                                 "0123456789012345678901234567890123456789\"}}",
                                 0, NULL),
           DELTACKPT_INVALID_ARGUMENT);
  CHECK(contains(deltackpt_errmsg(store), "limit of 64"));
  deltackpt_close(store);
}

static void test_schema_too_new(void) {
  char path[1100];
  char url[1200];
  deltackpt_store_t* store = NULL;
  db_path(path, sizeof path, "schema.db");
  snprintf(url, sizeof url, "sqlite:%s", path);
  CHECK_RC(store, deltackpt_open(url, NULL, &store), DELTACKPT_OK);
  deltackpt_close(store);
  sql(path,
      "INSERT INTO deltackpt_migrations (version, name, checksum, applied_at)"
      " VALUES (9999, 'from_the_future', NULL, '2099-01-01T00:00:00Z')");
  store = NULL;
  CHECK_RC(store, deltackpt_open(url, NULL, &store), DELTACKPT_SCHEMA);
  CHECK(strlen(deltackpt_errmsg(store)) > 0);
  deltackpt_close(store);
}

/* Another connection holds the write lock past the busy timeout: a
 * retryable STORAGE error. */
static void test_locked_is_retryable(void) {
  char path[1100];
  char url[1200];
  deltackpt_store_t* store = NULL;
  sqlite3* db = NULL;
  db_path(path, sizeof path, "locked.db");
  snprintf(url, sizeof url, "sqlite:%s", path);
  CHECK_RC(store, deltackpt_open(url, "{\"deltas\": false}", &store), DELTACKPT_OK);
  if (store == NULL) return;
  CHECK_RC(store, deltackpt_save(store, "{\"thread_id\":\"t\",\"state\":{}}", 0, NULL), DELTACKPT_OK);
  CHECK(sqlite3_open(path, &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);
  CHECK_RC(store, deltackpt_save(store, "{\"thread_id\":\"t\",\"state\":{}}", 0, NULL), DELTACKPT_STORAGE);
  CHECK(deltackpt_error_retryable(store) == 1);
  CHECK(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK);
  sqlite3_close(db);
  CHECK_RC(store, deltackpt_save(store, "{\"thread_id\":\"t\",\"state\":{}}", 0, NULL), DELTACKPT_OK);
  CHECK(deltackpt_error_retryable(store) == 0);
  deltackpt_close(store);
}

/* Messages are per calling thread: another thread's calls on the same
 * store neither clear nor replace this thread's message. */
static void* other_thread(void* arg) {
  deltackpt_store_t* store = (deltackpt_store_t*)arg;
  char* out = NULL;
  int ok = 1;
  ok = ok && deltackpt_save(store, "{\"thread_id\":\"other\",\"state\":{\"x\":1}}", 0, NULL) == DELTACKPT_OK;
  ok = ok && strcmp(deltackpt_errmsg(store), "") == 0;
  ok = ok && deltackpt_list(store, "other", "{\"nope\":1}", &out) == DELTACKPT_INVALID_ARGUMENT;
  ok = ok && contains(deltackpt_errmsg(store), "nope");
  return ok ? store : NULL;
}

static void test_messages_per_thread(void) {
  deltackpt_store_t* store = NULL;
  pthread_t thread;
  void* result = NULL;
  char* out = NULL;
  CHECK_RC(store, deltackpt_open("memory:", "{\"deltas\": false}", &store), DELTACKPT_OK);
  if (store == NULL) return;
  CHECK_RC(store, deltackpt_save(store, "{\"thread_id\":\"t\",\"state\":7}", 0, NULL), DELTACKPT_INVALID_ARGUMENT);
  CHECK(contains(deltackpt_errmsg(store), "state"));
  CHECK(pthread_create(&thread, NULL, other_thread, store) == 0);
  CHECK(pthread_join(thread, &result) == 0);
  CHECK(result == store);
  CHECK(contains(deltackpt_errmsg(store), "state"));
  CHECK(!contains(deltackpt_errmsg(store), "nope"));
  CHECK_RC(store, deltackpt_load(store, "other", &out), DELTACKPT_OK);
  CHECK(contains(out, "\"state\":{\"x\":1}"));
  CHECK(strcmp(deltackpt_errmsg(store), "") == 0);
  deltackpt_free(out);
  deltackpt_close(store);
}

/* Namespaces, pending writes with binary values, lists across threads and
 * with states: the model a LangGraph-style runtime uses, through C. */
static void test_namespaces_and_writes(void) {
  deltackpt_store_t* s = NULL;
  char* out = NULL;
  char* id = NULL;
  char body[512];
  CHECK(deltackpt_open("memory:", NULL, &s) == DELTACKPT_OK);
  CHECK(deltackpt_save(s, "{\"thread_id\":\"t\",\"state\":{\"root\":1}}", 0, NULL) == DELTACKPT_OK);
  CHECK(deltackpt_save(s, "{\"thread_id\":\"t\",\"checkpoint_ns\":\"sub:1\",\"state\":{\"sub\":1}}", 0, &id) ==
        DELTACKPT_OK);
  CHECK(deltackpt_load_ns(s, "t", "sub:1", &out) == DELTACKPT_OK);
  CHECK(out != NULL && contains(out, "\"sub\":1") && contains(out, "\"checkpoint_ns\":\"sub:1\""));
  deltackpt_free(out);
  CHECK(deltackpt_load(s, "t", &out) == DELTACKPT_OK);
  CHECK(out != NULL && contains(out, "\"root\":1"));
  deltackpt_free(out);
  CHECK(deltackpt_namespaces(s, "t", &out) == DELTACKPT_OK);
  CHECK(out != NULL && strcmp(out, "[\"\",\"sub:1\"]") == 0);
  deltackpt_free(out);

  /* "AP8=" is the bytes 0x00 0xff: not text, so it comes back as base64. */
  snprintf(body, sizeof body,
           "{\"thread_id\":\"t\",\"checkpoint_ns\":\"sub:1\",\"checkpoint_id\":\"%s\",\"writes\":["
           "{\"task_id\":\"b\",\"idx\":0,\"channel\":\"messages\",\"type\":\"json\",\"value\":\"[1]\"},"
           "{\"task_id\":\"a\",\"idx\":1,\"channel\":\"raw\",\"type\":\"bytes\",\"value\":{\"base64\":\"AP8=\"}}]}",
           id);
  CHECK(deltackpt_put_writes(s, body) == DELTACKPT_OK);
  CHECK(deltackpt_put_writes(s, "{\"thread_id\":\"t\",\"checkpoint_id\":\"x\",\"writes\":[{\"task_id\":\"a\","
                                "\"channel\":\"c\",\"value\":{\"base64\":\"not base64\"}}]}") ==
        DELTACKPT_INVALID_ARGUMENT);
  CHECK(contains(deltackpt_errmsg(s), "base64"));
  snprintf(body, sizeof body, "{\"thread_id\":\"t\",\"checkpoint_ns\":\"sub:1\",\"checkpoint_id\":\"%s\"}", id);
  CHECK(deltackpt_writes(s, body, &out) == DELTACKPT_OK);
  CHECK(out != NULL &&
        strcmp(out,
               "[{\"task_id\":\"a\",\"task_path\":\"\",\"idx\":1,\"channel\":\"raw\",\"type\":\"bytes\","
               "\"value\":{\"base64\":\"AP8=\"}},{\"task_id\":\"b\",\"task_path\":\"\",\"idx\":0,"
               "\"channel\":\"messages\",\"type\":\"json\",\"value\":\"[1]\"}]") == 0);
  deltackpt_free(out);

  /* Every thread, one namespace, with states and writes. */
  CHECK(deltackpt_save(s, "{\"thread_id\":\"u\",\"checkpoint_ns\":\"sub:1\",\"state\":{\"u\":1}}", 0, NULL) ==
        DELTACKPT_OK);
  CHECK(deltackpt_list(s, NULL, "{\"checkpoint_ns\":\"sub:1\",\"with_states\":true,\"with_writes\":true}", &out) ==
        DELTACKPT_OK);
  CHECK(out != NULL && count(out, "\"state\":") == 2 && contains(out, "\"u\":1") && contains(out, "AP8=") &&
        strstr(out, "\"u\":1") < strstr(out, "\"sub\":1"));
  deltackpt_free(out);
  CHECK(deltackpt_list(s, NULL, "{\"with_writes\":true}", &out) == DELTACKPT_INVALID_ARGUMENT);
  CHECK(out == NULL);
  CHECK(deltackpt_stats(s, "t", &out) == DELTACKPT_OK);
  CHECK(out != NULL && contains(out, "\"writes\":2"));
  deltackpt_free(out);
  size_t removed = 0;
  CHECK(deltackpt_remove_thread(s, "t", &removed) == DELTACKPT_OK);
  CHECK(removed == 2);
  CHECK(deltackpt_writes(s, body, &out) == DELTACKPT_OK);
  CHECK(out != NULL && strcmp(out, "[]") == 0);
  deltackpt_free(out);
  deltackpt_free(id);
  deltackpt_close(s);
}

static void test_save_delta(void) {
  deltackpt_store_t* s = NULL;
  char* out = NULL;
  char* first = NULL;
  char* second = NULL;
  char body[512];
  db_path(body, sizeof body, "save_delta.db");
  char url[600];
  snprintf(url, sizeof url, "sqlite:%s", body);
  CHECK(deltackpt_open(url, "{\"payload_encoding\":\"zstd\"}", &s) == DELTACKPT_OK);
  CHECK(deltackpt_save(s, "{\"thread_id\":\"d\",\"state\":{\"messages\":[\"a\"],\"n\":0}}", 0, &first) ==
        DELTACKPT_OK);
  snprintf(body, sizeof body, "{\"thread_id\":\"d\",\"parent_id\":\"%s\",\"step\":1}", first);
  CHECK(deltackpt_save_delta(s, body, "{\"v\":1,\"keys\":{\"messages\":{\"edits\":[{\"at\":1,\"ins\":[\"b\"]}]},"
                             "\"n\":{\"set\":1}}}", DELTACKPT_SAVE_FORK, &second) == DELTACKPT_OK);
  CHECK(second != NULL);
  CHECK(deltackpt_load(s, "d", &out) == DELTACKPT_OK);
  CHECK(out != NULL && contains(out, "\"state\":{\"messages\":[\"a\",\"b\"],\"n\":1}") && contains(out, "\"step\":1"));
  deltackpt_free(out);
  /* Refused, naming why; nothing written. */
  CHECK(deltackpt_save_delta(s, body, "{\"v\":1,\"keys\":{\"messages\":{\"edits\":[{\"at\":9,\"del\":1}]}}}",
                             DELTACKPT_SAVE_FORK, NULL) == DELTACKPT_INVALID_ARGUMENT);
  CHECK(contains(deltackpt_errmsg(s), "does not apply"));
  CHECK(deltackpt_save_delta(s, "{\"thread_id\":\"d\",\"state\":{}}", "{\"v\":1}", 0, NULL) ==
        DELTACKPT_INVALID_ARGUMENT);
  CHECK(contains(deltackpt_errmsg(s), "state"));
  CHECK(deltackpt_save_delta(s, body, "{\"v\":1}", DELTACKPT_SAVE_ROOT, NULL) == DELTACKPT_INVALID_ARGUMENT);
  CHECK(deltackpt_save_delta(s, body, "not json", 0, NULL) == DELTACKPT_INVALID_ARGUMENT);
  CHECK(deltackpt_list(s, "d", NULL, &out) == DELTACKPT_OK);
  CHECK(out != NULL && count(out, "\"checkpoint_id\":") == 2);
  deltackpt_free(out);
  deltackpt_free(first);
  deltackpt_free(second);
  deltackpt_close(s);
}

int main(int argc, char** argv) {
  char path[1100];
  char ids[5][80];
  if (argc != 2) {
    fprintf(stderr, "usage: c_api_test WORK_DIR\n");
    return 2;
  }
  snprintf(work_dir, sizeof work_dir, "%s", argv[1]);
  memset(ids, 0, sizeof ids);

  test_version_and_names();
  test_null_handles();
  test_bad_urls_and_options();
  db_path(path, sizeof path, "main.db");
  test_round_trip_and_errors(path, ids);
  test_corrupt_row(path, ids);
  test_limits();
  test_schema_too_new();
  test_locked_is_retryable();
  test_messages_per_thread();
  test_namespaces_and_writes();
  test_save_delta();

  printf("%d checks, %d failed\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
