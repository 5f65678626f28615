// npm's install step: builds native/addon.cpp and the deltackpt library it
// links from the sources bundled in the package (deltackpt/, made by
// bundle-sources.mjs at pack time) or, in a checkout, from the repository
// around this folder. Needs cmake, a C++20 compiler and the -dev packages of
// sqlite3, liblz4, libzstd, nlohmann-json, dtl (and libpqxx for PostgreSQL). Nothing
// is downloaded. Skipped when DELTACKPT_NODE_ADDON names a built addon.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = resolve(dirname(fileURLToPath(import.meta.url)), "..");
if (process.env.DELTACKPT_NODE_ADDON) {
  console.log(`deltackpt-langgraph: using ${process.env.DELTACKPT_NODE_ADDON}`);
  process.exit(0);
}
const bundled = join(here, "deltackpt");
const source = existsSync(join(bundled, "CMakeLists.txt")) ? bundled : resolve(here, "..", "..");
if (!existsSync(join(source, "include", "deltackpt", "c.h"))) {
  console.error("deltackpt-langgraph: no deltackpt sources to build (neither ./deltackpt nor ../..)");
  process.exit(1);
}
const build = join(here, "build", "cmake");
const addonApi = createRequire(join(here, "package.json"))("node-addon-api").include_dir.replace(/^"|"$/g, "");
const run = (args) => execFileSync("cmake", args, { stdio: "inherit" });
const hasCcache = (() => {
  try {
    execFileSync("ccache", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();
run([
  "-S", source, "-B", build, "-DCMAKE_BUILD_TYPE=Release",
  "-DDELTACKPT_BUILD_NODE=ON", "-DDELTACKPT_BUILD_CLI=OFF", "-DDELTACKPT_BUILD_TESTS=OFF",
  "-DDELTACKPT_BUILD_BENCH=OFF", "-DDELTACKPT_BUILD_SHARED=OFF", "-DDELTACKPT_INSTALL=OFF",
  `-DDELTACKPT_NODE_ADDON_API_DIR=${resolve(here, addonApi)}`,
  ...(hasCcache ? ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"] : []),
]);
run(["--build", build, "--target", "deltackpt_node", "--parallel"]);
mkdirSync(join(here, "build"), { recursive: true });
copyFileSync(join(build, "bindings", "node", "deltackpt.node"), join(here, "build", "deltackpt.node"));
console.log("deltackpt-langgraph: built build/deltackpt.node");
