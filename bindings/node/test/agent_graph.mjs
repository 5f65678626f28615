// A ReAct-style agent as LangGraph runs it: an "agent" node with a
// deterministic fake model deciding on tool calls, a "tools" node that runs
// a subgraph of its own for each call (so its checkpoints live in a
// namespace; it has a state of its own, the call and its result, and the
// node returns only the new tool message, as LangGraph's ToolNode does), and
// a human approval by interrupt() halfway. Used by graph.test.js, and as a program:
//   node test/agent_graph.mjs URL THREAD start|resume   (prints JSON)
import { Annotation, Command, END, START, StateGraph, interrupt } from "@langchain/langgraph";

// Tool calls before the model answers; each takes two super-steps (agent,
// tools), so a run takes over 200.
export const TOOL_CALLS = 110;
// The call after which the agent asks a person to approve going on.
export const APPROVAL_AT = 60;

// Appends messages, once each by id (as LangGraph's messagesStateReducer
// does): the tools subgraph returns the whole list it was given plus its own.
const append = (a, b) => {
  const seen = new Set(a.map((m) => m.id));
  return a.concat(b.filter((m) => !seen.has(m.id)));
};

const AgentState = Annotation.Root({
  messages: Annotation({ reducer: append, default: () => [] }),
  calls: Annotation({ reducer: (_, b) => b, default: () => 0 }),
  approved: Annotation({ reducer: (_, b) => b, default: () => null }),
});

// The fake model: a pure function of the conversation so far.
function fakeModel(state) {
  const n = state.calls;
  if (n >= TOOL_CALLS) return { id: "ai-final", role: "ai", content: `Done after ${n} tool calls.`, tool_calls: [] };
  // Ids from the conversation's length, so a model called again (after a
  // fork, say) makes a new message rather than repeating an old one.
  const at = state.messages.length;
  return {
    id: `ai-${at}`,
    role: "ai",
    content: `Step ${n}: I will look up item ${n}.`,
    tool_calls: [{ id: `call_${at}`, name: "lookup", args: { item: n, query: `item ${n} ${"details ".repeat(n % 7)}` } }],
  };
}

function agent(state) {
  if (state.calls === APPROVAL_AT && state.approved === null) {
    const answer = interrupt({ question: `Continue after ${state.calls} lookups?` });
    return { approved: answer, messages: [{ id: "approval", role: "human", content: `approval: ${answer}` }] };
  }
  return { messages: [fakeModel(state)] };
}

// The tools subgraph: runs the lookup, then formats its result.
const ToolState = Annotation.Root({
  call: Annotation({ reducer: (_, b) => b, default: () => null }),
  result: Annotation({ reducer: (_, b) => b, default: () => null }),
  message: Annotation({ reducer: (_, b) => b, default: () => null }),
});

// Text as search results hold it: words drawn from a vocabulary of 4000
// made-up words with Zipf's law of natural language, by a seeded generator,
// so the run is the same every time and compresses about as well as real
// snippets (not as well as a phrase repeated).
const SYLLABLES = ["ka", "lo", "mi", "ren", "to", "vas", "el", "ur", "shi", "dan", "po", "ter", "ix", "ma", "nor", "sel", "qu", "ab", "ry", "gen"];
const VOCABULARY = Array.from({ length: 4000 }, (_, i) => {
  let word = "";
  for (let n = i + 1; n > 0; n = Math.floor(n / SYLLABLES.length)) word += SYLLABLES[n % SYLLABLES.length];
  return word;
});
// Cumulative Zipf weights (s = 1) over the vocabulary's ranks.
const ZIPF = (() => {
  let total = 0;
  const cumulative = VOCABULARY.map((_, rank) => (total += 1 / (rank + 1)));
  return cumulative.map((c) => c / total);
})();

function seededRandom(seed) {
  let s = seed >>> 0;
  return () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function words(random, count) {
  const out = [];
  for (let i = 0; i < count; ++i) {
    const u = random();
    let lo = 0;
    let hi = ZIPF.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ZIPF[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    out.push(VOCABULARY[lo]);
  }
  return out.join(" ");
}

function lookup(state) {
  const item = state.call.args.item;
  // A search result of about 1.5 KB, as tools return: the state grows by a
  // little each step, which is what deltas are for.
  const random = seededRandom(item + 1);
  const rows = Array.from({ length: 12 }, (_, i) => ({
    id: item * 100 + i,
    score: (item * 7 + i) % 11,
    title: `Result ${i} for item ${item}: ${words(random, 3)}`,
    snippet: words(random, 12 + ((item + i) % 5)),
  }));
  return { result: { item, rows } };
}

function format(state) {
  const call = state.call;
  return { message: { id: `tool-${call.id}`, role: "tool", tool_call_id: call.id, content: JSON.stringify(state.result) } };
}

export function buildGraph(checkpointer) {
  const tools = new StateGraph(ToolState)
    .addNode("lookup", lookup)
    .addNode("format", format)
    .addEdge(START, "lookup")
    .addEdge("lookup", "format")
    .addEdge("format", END)
    .compile();
  // The node runs the subgraph with the config it was given, so the
  // subgraph checkpoints with the parent's saver, in a namespace of its own.
  const runTools = async (state, config) => {
    const call = state.messages[state.messages.length - 1].tool_calls[0];
    const out = await tools.invoke({ call }, config);
    return { messages: [out.message], calls: state.calls + 1 };
  };
  return new StateGraph(AgentState)
    .addNode("agent", agent)
    .addNode("tools", runTools)
    .addEdge(START, "agent")
    .addConditionalEdges("agent", (state) => {
      const last = state.messages[state.messages.length - 1];
      return last?.tool_calls?.length > 0 ? "tools" : last?.role === "human" ? "agent" : END;
    })
    .addEdge("tools", "agent")
    .compile({ checkpointer });
}

export const runConfig = (thread) => ({ configurable: { thread_id: thread }, recursionLimit: 1000 });

// Runs until the interrupt ("start") or from it to the end ("resume").
export async function runPhase(graph, thread, phase) {
  const input = phase === "start" ? { messages: [{ id: "human-0", role: "human", content: "Look everything up." }] } : new Command({ resume: "yes" });
  await graph.invoke(input, runConfig(thread));
  const state = await graph.getState(runConfig(thread));
  return { next: state.next, calls: state.values.calls, messages: state.values.messages.length, tasks: state.tasks.length };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop())) {
  const [url, thread, phase] = process.argv.slice(2);
  const { DeltackptSaver } = await import("../index.js");
  const saver = await DeltackptSaver.open(url, { fullSnapshotInterval: 50 });
  const result = await runPhase(buildGraph(saver), thread, phase);
  await saver.close();
  console.log(JSON.stringify(result));
}
