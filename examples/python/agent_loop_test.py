#!/usr/bin/env python3
"""Test of the Python example: runs agent_loop.py in separate processes
against one SQLite file (so a resume really follows a restart), then checks
every state through the wrapper and the wrapper's errors.

Usage: agent_loop_test.py LIBDELTACKPT_SO WORK_DIR
"""

import json
import os
import shutil
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import agent_loop  # noqa: E402
import deltackpt  # noqa: E402

failures = 0


def check(ok, what):
    global failures
    if not ok:
        failures += 1
        print(f"FAILED: {what}", file=sys.stderr)


def agent(db, *args):
    """Runs agent_loop.py in a new process and returns its JSON line."""
    proc = subprocess.run([sys.executable, os.path.join(here, "agent_loop.py"), *args, "--db", db,
                           "--thread", "demo"], capture_output=True, text=True, env=os.environ)
    if proc.returncode != 0:
        print(proc.stdout, proc.stderr, file=sys.stderr)
        raise SystemExit(f"agent_loop.py {' '.join(args)} exited with {proc.returncode}")
    print(proc.stdout.strip())
    return json.loads(proc.stdout)


def expected_state(last_step, fork_at=None):
    """What the loop must have built: steps 0..last_step, the step after
    fork_at taken on the other branch."""
    state = agent_loop.initial_state()
    for step in range(last_step + 1):
        branch = "other" if fork_at is not None and step == fork_at + 1 else ""
        state = agent_loop.agent_step(state, step, branch)
    return state


def main():
    library, work = sys.argv[1], sys.argv[2]
    os.environ["DELTACKPT_LIBRARY"] = library
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    db = os.path.join(work, "agent.db")

    first = agent(db, "run", "--steps", "3")
    check(first["resumed_from"] is None and first["last_step"] == 2, "the first run starts at step 0")
    second = agent(db, "run", "--steps", "2")  # another process: a restart
    check(second["resumed_from"] == 2 and second["last_step"] == 4, "the second run resumes after step 2")
    check(second["messages"] == 1 + 5 * 2, "the conversation kept every message across the restart")
    forked = agent(db, "fork", "--step", "1", "--steps", "2")
    check(forked["forked_at_step"] == 1 and forked["last_step"] == 3, "the fork branches after step 1")
    shown = agent(db, "show")
    check(shown["checkpoint"]["checkpoint_id"] == forked["head"], "the fork's last checkpoint is the head")

    with deltackpt.Store("sqlite:" + db) as store:
        check(deltackpt.version() == store._lib.deltackpt_version().decode(), "version")
        latest = store.load("demo")
        check(latest["state"] == expected_state(3, fork_at=1), "the head holds the forked conversation")
        check(latest["state"]["messages"][5]["content"].startswith("what if"), "the branch's question")
        check(latest["pending_nodes"] == ["agent"] and latest["metadata"]["source"] == "agent_loop",
              "pending nodes and metadata round-trip")
        # Time travel did not lose the original branch.
        original = store.load_by_id(second["head"])
        check(original["state"] == expected_state(4), "the original branch's last state is intact")
        check(original["state"]["messages"][-1]["content"] == agent_loop.reply(agent_loop.question(4)),
              "Unicode round-trips")
        history = store.history("demo")
        check(len(history) == 3 + 2 + 2, "history has every checkpoint of both branches")
        check([c["step"] for c in history] == [0, 1, 2, 3, 4, 2, 3], "history is oldest first")
        for c in history[:5]:
            check(c["state"] == expected_state(c["step"]), f"state at step {c['step']}")
        pids = {c["metadata"]["pid"] for c in history}
        check(len(pids) == 3, "three processes saved (run, run, fork)")
        infos = store.list("demo")
        check([i["step"] for i in infos] == [3, 2, 4, 3, 2, 1, 0], "list is newest first")
        check(any(i["kind"] == "delta" for i in infos), "steps are stored as deltas")
        check(len(store.list("demo", limit=2)) == 2, "list limit")
        check(len(store.list("demo", before=infos[2]["checkpoint_id"])) == 4, "list before")
        check(len(store.list("demo", metadata_filter={"pid": history[0]["metadata"]["pid"]})) == 3,
              "list metadata filter")
        check(store.threads() == ["demo"], "threads")
        report = store.verify()
        check(report["ok"] and report["checkpoints"] == 7, "verify")
        stats = store.stats("demo")
        check(stats["total"]["checkpoints"] == 7 and stats["total"]["delta_rows"] > 0, "stats")

        # Errors arrive as exceptions of the right class.
        try:
            store.save({"thread_id": "demo", "parent_id": history[0]["checkpoint_id"], "state": {}})
            check(False, "a stale parent without fork is a Conflict")
        except deltackpt.Conflict as e:
            check(e.status == 3 and not e.retryable and str(e), "Conflict carries status and message")
        try:
            store.save({"thread_id": "demo", "stat": {}})
            check(False, "an unknown key is InvalidArgument")
        except deltackpt.InvalidArgument as e:
            check("stat" in str(e), "the message names the key")
        try:
            store.save({"thread_id": "demo", "parent_id": "nope", "state": {}})
            check(False, "an unknown parent is NotFound")
        except deltackpt.NotFound:
            pass
        check(store.load_by_id("no-such-id") is None and store.load("no-such-thread") is None,
              "absence is None")
        check(store.info("no-such-id") is None, "info of an unknown id is None")
        root = store.save({"thread_id": "demo", "checkpoint_id": "root-1", "state": {"fresh": True}}, root=True)
        check(store.save({"thread_id": "demo", "checkpoint_id": "root-1", "state": {"fresh": True}}) == root,
              "the same save again is a retry")
        head = store.info(root)
        check(head is not None and head["parent_id"] is None and store.load("demo")["checkpoint_id"] == root,
              "a root has no parent and is the latest")
        check(store.prune("demo", keep_last=100) == {"removed": 0, "rewritten": 0}, "prune keeps")
        check(store.remove_thread("other") == 0, "remove an unknown thread")

    # The checkpoint model a LangGraph-style runtime needs, from Python.
    with deltackpt.Store("memory:") as store:
        root = store.save({"thread_id": "g", "state": {"messages": ["hi"]}})
        sub = store.save({"thread_id": "g", "checkpoint_ns": "tools:1", "state": {"calls": 1}})
        check(store.load("g")["checkpoint_id"] == root, "the root namespace's head")
        check(store.load("g", "tools:1")["checkpoint_id"] == sub, "a subgraph's head")
        check(store.namespaces("g") == ["", "tools:1"], "namespaces")
        store.put_writes("g", "tools:1", sub, [
            {"task_id": "b", "idx": 0, "channel": "out", "type": "json", "value": '"done"'},
            {"task_id": "a", "idx": -1, "channel": "__error__", "type": "bytes", "value": b"\x00\xff"}])
        writes = store.writes("g", "tools:1", sub)
        check([(w["task_id"], w["value"]) for w in writes] == [("a", b"\x00\xff"), ("b", '"done"')],
              "pending writes in order, bytes as bytes")
        listed = store.list(checkpoint_ns="tools:1", with_states=True, with_writes=True)
        check(len(listed) == 1 and listed[0]["state"] == {"calls": 1} and len(listed[0]["writes"]) == 2,
              "list with states and writes")
        check(store.remove_thread("g") == 2 and store.writes("g", "tools:1", sub) == [],
              "remove_thread takes every namespace and write")

    try:
        deltackpt.Store("ftp://nowhere")
        check(False, "a bad URL is InvalidArgument")
    except deltackpt.InvalidArgument as e:
        check("ftp://nowhere" in str(e), "the message names the URL")
    try:
        deltackpt.Store("memory:", full_snapshot_intervall=3)
        check(False, "an unknown option is InvalidArgument")
    except deltackpt.InvalidArgument:
        pass

    print("agent_loop_test: " + ("all passed" if failures == 0 else f"{failures} failed"))
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
