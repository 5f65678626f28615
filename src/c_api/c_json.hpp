// The JSON arguments of the C API (include/deltackpt/c.h), read strictly.
// What it returns is the library's own to_json of each type.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "deltackpt/checkpoint.hpp"
#include "deltackpt/json.hpp"
#include "deltackpt/maintenance.hpp"
#include "deltackpt/open.hpp"

namespace deltackpt::detail::capi {

// Parses `text` (NULL or empty when `optional`) as JSON. `what` names the
// argument in messages, e.g. "deltackpt_save: checkpoint_json". Throws
// InvalidArgument on anything but valid UTF-8 JSON.
Json parse_argument(const char* text, std::string_view what, bool optional);

// Each takes what parse_argument returned (states and metadata are moved
// out, not copied) and throws InvalidArgument naming the offending key on
// unknown keys and wrong types. A null `doc` (an omitted optional argument)
// gives the defaults; a checkpoint is never optional.
OpenOptions open_options_from_json(Json&& doc);
Checkpoint checkpoint_from_json(Json&& doc);
// deltackpt_list's options: ListOptions, and whether states are wanted.
struct ListRequest {
  ListOptions options;
  bool with_states = false;
};
ListRequest list_request_from_json(Json&& doc);
// {"thread_id", "checkpoint_ns", "checkpoint_id"}; `what` names the argument.
CheckpointKey key_from_json(Json& doc, const std::string& what);
// deltackpt_put_writes' argument: the key's members and "writes".
std::pair<CheckpointKey, std::vector<PendingWrite>> writes_from_json(Json&& doc);
// Also sets `checkpoint_ns` to the policy's namespace ("" when absent).
RetentionPolicy retention_from_json(Json&& doc, std::string& checkpoint_ns);

}  // namespace deltackpt::detail::capi
