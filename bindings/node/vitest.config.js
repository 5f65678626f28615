import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    globals: true,
    include: ["test/**/*.test.js"],
    testTimeout: 30000,
    hookTimeout: 30000,
    // One backend at a time: CI has two cores and a sanitizer build beside.
    fileParallelism: false,
  },
});
