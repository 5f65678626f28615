/* A C99 program using the installed deltackpt through its C API. */
#include <stdio.h>
#include <string.h>

#include "deltackpt/c.h"

int main(void) {
  deltackpt_store_t* store = NULL;
  char* id = NULL;
  char* latest = NULL;
  int rc = deltackpt_open("sqlite::memory:", "{\"full_snapshot_interval\": 10}", &store);
  if (rc == DELTACKPT_OK) {
    rc = deltackpt_save(store, "{\"thread_id\": \"t1\", \"state\": {\"messages\": [\"hi\"]}}", 0, &id);
  }
  if (rc == DELTACKPT_OK) rc = deltackpt_load(store, "t1", &latest);
  if (rc != DELTACKPT_OK) {
    fprintf(stderr, "consumer_c: %s: %s\n", deltackpt_status_name(rc), deltackpt_errmsg(store));
  } else if (latest == NULL || id == NULL || strstr(latest, id) == NULL ||
             strstr(latest, "\"state\":{\"messages\":[\"hi\"]}") == NULL) {
    fprintf(stderr, "consumer_c: unexpected checkpoint %s\n", latest != NULL ? latest : "(none)");
    rc = DELTACKPT_INTERNAL;
  } else {
    printf("consumer_c ok (deltackpt %s)\n", deltackpt_version());
  }
  deltackpt_free(latest);
  deltackpt_free(id);
  deltackpt_close(store);
  return rc == DELTACKPT_OK ? 0 : 1;
}
