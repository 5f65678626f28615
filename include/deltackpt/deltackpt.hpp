// Umbrella header: everything a user of deltackpt needs.
#pragma once

#include "deltackpt/backends/memory.hpp"
#include "deltackpt/checkpoint.hpp"
#include "deltackpt/checkpointer.hpp"
#include "deltackpt/checkpointer_wrapper.hpp"
#include "deltackpt/delta_checkpointer.hpp"
#include "deltackpt/diff.hpp"
#include "deltackpt/errors.hpp"
#include "deltackpt/json.hpp"
#include "deltackpt/limits.hpp"
#include "deltackpt/row_store.hpp"
