# The npm packages of bindings/node, from its committed package-lock.json.
# Source it, then: node_deps. Runs npm ci only when the lock file changed
# since the last install (a stamp in node_modules), never the install
# scripts (the addon is built by CMake), and never downloads node headers.
node_deps() {
  local dir=bindings/node
  local stamp="$dir/node_modules/.deltackpt-lock-sha256"
  local want
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" == "$want" ]; then
    return 0
  fi
  (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
}
