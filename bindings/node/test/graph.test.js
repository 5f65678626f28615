// A real LangGraph StateGraph (a ReAct-style tool loop of over 200
// super-steps, a subgraph, an interrupt resumed with a Command in a second
// process, getStateHistory, a fork by updateState) run with DeltackptSaver
// and with LangGraph's MemorySaver: states and histories must be identical.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { MemorySaver } from "@langchain/langgraph";

import { DeltackptSaver } from "../index.js";
import { APPROVAL_AT, TOOL_CALLS, buildGraph, runConfig, runPhase } from "./agent_graph.mjs";
import { postgresUrl } from "./initializers.js";

const script = new URL("./agent_graph.mjs", import.meta.url).pathname;

// What a person sees of a history, without ids and times (which differ
// between any two runs).
async function historyOf(graph, config) {
  const out = [];
  for await (const s of graph.getStateHistory(config)) {
    out.push({ values: s.values, next: s.next, step: s.metadata?.step, source: s.metadata?.source, hasParent: !!s.parentConfig });
  }
  return out;
}

// Forks at the checkpoint of `step`: a person's message added by
// updateState, then the run continues to the end.
async function forkAndFinish(graph, thread, step) {
  let at;
  for await (const s of graph.getStateHistory(runConfig(thread))) {
    if (s.metadata?.step === step) at = s.config;
  }
  const forked = await graph.updateState(at, { messages: [{ id: "fork", role: "human", content: "Try again from here." }] }, "agent");
  await graph.invoke(null, { ...forked, recursionLimit: 1000 });
  return (await graph.getState(runConfig(thread))).values;
}

async function reference() {
  const saver = new MemorySaver();
  const first = await runPhase(buildGraph(saver), "t", "start");
  const second = await runPhase(buildGraph(saver), "t", "resume");  // a new graph: a restart
  const graph = buildGraph(saver);
  const history = await historyOf(graph, runConfig("t"));
  const forked = await forkAndFinish(graph, "t", 101);
  return { first, second, history, forked, afterFork: await historyOf(graph, runConfig("t")) };
}

const urls = [];
let dir;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "deltackpt-graph-"));
  urls.push(["sqlite", `sqlite:${join(dir, "agent.db")}`]);
  const pg = postgresUrl("graph");
  if (pg) urls.push(["postgres", pg]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a 200-step agent with a subgraph, an interrupt across processes and a fork matches MemorySaver", async () => {
  const want = await reference();
  expect(want.first.next).toEqual(["agent"]);  // waiting for approval
  expect(want.second.calls).toBe(TOOL_CALLS);
  expect(want.history.length).toBeGreaterThan(2 * TOOL_CALLS);
  for (const [name, url] of urls) {
    const thread = `t-${name}`;
    const phase = (p) => JSON.parse(execFileSync(process.execPath, [script, url, thread, p], { encoding: "utf8" }));
    expect(phase("start"), name).toEqual(want.first);
    expect(phase("resume"), name).toEqual(want.second);
    const saver = await DeltackptSaver.open(url);
    try {
      const graph = buildGraph(saver);
      expect(await historyOf(graph, runConfig(thread)), name).toEqual(want.history);
      expect(await forkAndFinish(graph, thread, 101), name).toEqual(want.forked);
      expect(await historyOf(graph, runConfig(thread)), name).toEqual(want.afterFork);
      // Each run of the subgraph saved in a namespace of its own; the root
      // graph's long chain is stored as deltas but for a full row now and then.
      const namespaces = JSON.parse(await saver.store.namespaces(thread));
      expect(namespaces.length, name).toBeGreaterThan(TOOL_CALLS);
      const root = JSON.parse(await saver.store.list(thread, JSON.stringify({ checkpoint_ns: "" })));
      const deltas = root.filter((r) => r.kind === "delta").length;
      expect(deltas, name).toBeGreaterThan((root.length - deltas) * 10);
      expect(JSON.parse(await saver.store.verify(thread)).ok, name).toBe(true);
    } finally {
      await saver.close();
    }
  }
  expect(APPROVAL_AT).toBeLessThan(TOOL_CALLS);
}, 300000);
