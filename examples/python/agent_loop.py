#!/usr/bin/env python3
"""A toy agent loop on deltackpt, as a runtime would drive it.

Every step appends a user message and the (toy) model's reply to the
conversation and saves the whole state: deltackpt stores only what changed.
Run it again and it resumes from the latest checkpoint, even in a new
process. `fork` travels back to an earlier step and branches from there.

    export DELTACKPT_LIBRARY=build/libdeltackpt.so
    python3 agent_loop.py run  --db agent.db --thread demo --steps 3   # steps 0..2
    python3 agent_loop.py run  --db agent.db --thread demo --steps 2   # resumes: steps 3..4
    python3 agent_loop.py fork --db agent.db --thread demo --step 1 --steps 2
    python3 agent_loop.py show --db agent.db --thread demo

Each command prints one JSON line describing what it did.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deltackpt  # noqa: E402  (the wrapper next to this file)

SYSTEM_PROMPT = ("You are a toy assistant. You answer every question by turning it around, "
                 "so that the example needs no model, no network and no randomness.")


def question(step, branch=""):
    """The user's message at `step` (a different one on a branch)."""
    if branch:
        return f"what if, at step {step}, we took the {branch} road? ¿y entonces? 🌿"
    return f"question {step}: how are you today? ¿qué tal? 👋"


def reply(text):
    """The toy model: deterministic, and Unicode all the way."""
    return "reply: " + text[::-1]


def initial_state():
    return {"messages": [{"role": "system", "content": SYSTEM_PROMPT}], "step": -1}


def agent_step(state, step, branch=""):
    """One step of the agent: a new state, the old one untouched."""
    q = question(step, branch)
    messages = state["messages"] + [{"role": "user", "content": q},
                                    {"role": "assistant", "content": reply(q)}]
    return {"messages": messages, "step": step}


def save_step(store, thread, state, parent_id, fork=False):
    return store.save({"thread_id": thread, "parent_id": parent_id, "step": state["step"],
                       "state": state, "pending_nodes": ["agent"],
                       "metadata": {"source": "agent_loop", "pid": os.getpid()}}, fork=fork)


def run(store, thread, steps):
    """Resumes the thread (or starts it) and runs `steps` more steps."""
    latest = store.load(thread)
    if latest is None:
        state, parent_id, resumed_from = initial_state(), None, None
    else:
        state, parent_id, resumed_from = latest["state"], latest["checkpoint_id"], latest["step"]
    for _ in range(steps):
        state = agent_step(state, state["step"] + 1)
        parent_id = save_step(store, thread, state, parent_id)  # saved after every step
    return {"command": "run", "resumed_from": resumed_from, "last_step": state["step"],
            "messages": len(state["messages"]), "head": parent_id}


def fork(store, thread, step, steps):
    """Travels back to the checkpoint at `step` and branches from it."""
    at_step = [info for info in store.list(thread) if info["step"] == step]
    if not at_step:
        raise SystemExit(f"thread {thread} has no checkpoint at step {step}")
    past = store.load_by_id(at_step[0]["checkpoint_id"])  # newest checkpoint at that step
    state = agent_step(past["state"], step + 1, branch="other")
    head = save_step(store, thread, state, past["checkpoint_id"], fork=True)
    for _ in range(steps - 1):
        state = agent_step(state, state["step"] + 1)
        head = save_step(store, thread, state, head)
    return {"command": "fork", "forked_from": past["checkpoint_id"], "forked_at_step": step,
            "last_step": state["step"], "messages": len(state["messages"]), "head": head}


def show(store, thread):
    latest = store.load(thread)
    return {"command": "show", "checkpoint": latest}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["run", "fork", "show"])
    parser.add_argument("--db", required=True, help="SQLite file")
    parser.add_argument("--thread", default="demo")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--step", type=int, help="fork: the step to travel back to")
    parser.add_argument("--library", help="path of libdeltackpt.so (default: $DELTACKPT_LIBRARY)")
    args = parser.parse_args(argv)

    with deltackpt.Store("sqlite:" + args.db, library=args.library, full_snapshot_interval=10) as store:
        if args.command == "run":
            result = run(store, args.thread, args.steps)
        elif args.command == "fork":
            if args.step is None:
                parser.error("fork needs --step")
            result = fork(store, args.thread, args.step, args.steps)
        else:
            result = show(store, args.thread)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
