// npm's prepack step: copies what build-native.mjs needs of the repository
// into deltackpt/, so the packed tarball builds on install anywhere.
import { cpSync, existsSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repo = resolve(here, "..", "..");
const out = join(here, "deltackpt");
rmSync(out, { recursive: true, force: true });
for (const item of ["CMakeLists.txt", "LICENSE", "cmake", "include", "src", "migrations"]) {
  if (existsSync(join(repo, item))) cpSync(join(repo, item), join(out, item), { recursive: true });
}
cpSync(join(here, "CMakeLists.txt"), join(out, "bindings", "node", "CMakeLists.txt"));
cpSync(join(here, "native"), join(out, "bindings", "node", "native"), { recursive: true });
console.log(`deltackpt-langgraph: bundled the library's sources into ${out}`);
