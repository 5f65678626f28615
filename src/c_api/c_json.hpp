// The JSON arguments of the C API (include/deltackpt/c.h), read strictly.
// What it returns is the library's own to_json of each type.
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

}  // namespace deltackpt::detail::capi
