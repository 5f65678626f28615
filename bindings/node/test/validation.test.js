// LangGraph's own conformance suite for checkpointers, unmodified, against
// every backend; and its opt-in delta-channel-history tests.
import { deltaChannelHistoryTests, validate } from "@langchain/langgraph-checkpoint-validation";

import { memoryInitializer, postgresInitializer, sqliteInitializer } from "./initializers.js";

const initializers = [memoryInitializer(), sqliteInitializer()];
const dsn = process.env.DELTACKPT_TEST_PG_DSN;
if (dsn) {
  initializers.push(postgresInitializer(dsn));
} else if (process.env.DELTACKPT_TEST_PG_REQUIRED === "1") {
  throw new Error("DELTACKPT_TEST_PG_REQUIRED=1 but DELTACKPT_TEST_PG_DSN is not set");
}

for (const initializer of initializers) {
  validate(initializer);
  deltaChannelHistoryTests(initializer);
}
