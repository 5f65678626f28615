// The JSON documents of the C API (include/deltackpt/c.h): parsing what
// callers pass in, strictly, and writing what the library returns.
#pragma once

#include <string_view>
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
ListOptions list_options_from_json(Json&& doc);
RetentionPolicy retention_from_json(Json&& doc);

// The state is moved into the result.
Json to_json(Checkpoint&& cp);
Json to_json(const CheckpointInfo& info);
Json to_json(const std::vector<std::string>& strings);
Json to_json(const PruneResult& result);
Json to_json(const StoreStats& stats);

}  // namespace deltackpt::detail::capi
