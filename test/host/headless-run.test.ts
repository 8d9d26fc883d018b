import { describe, expect, it } from "vitest";
import { HeadlessRun, type RunOutput } from "../../src/host/headless-run";
import { hostProcessOf } from "../../src/host/host-process";
import type { MessageInfo, OpencodePort } from "../../src/host/opencode-port";
import { FakeOpencode } from "../helpers/fake-opencode";

const BIN = ["bun", "/$bunfs/root/src/index.js"];

/** Output captured in memory. */
function capture(tty = false): RunOutput & { out: string; err: string; code: number | undefined } {
  const sink = { out: "", err: "", code: undefined as number | undefined };
  return Object.assign(sink, {
    stdout: { write: (t: string) => void (sink.out += t), isTTY: tty },
    stderr: { write: (t: string) => void (sink.err += t) },
    setExitCode: (c: number) => void (sink.code = c),
  });
}

/** A port whose transcript of `ses_run` is what the test puts there. */
function portWith(entries: Array<{ info: MessageInfo; parts: unknown[] }>): OpencodePort {
  const fake = new FakeOpencode();
  return Object.assign(fake, { transcript: async () => entries });
}

const answered = (id: string, text: string, extra: Partial<MessageInfo> = {}) => ({
  info: { id, role: "assistant", agent: "coder", modelID: "backup", time: { created: 1, completed: 2 }, finish: "stop", ...extra } as MessageInfo,
  parts: [
    { id: `${id}_s`, type: "step-start" },
    { id: `${id}_t`, type: "text", text, time: { start: 1, end: 2 } },
    { id: `${id}_f`, type: "step-finish" },
  ],
});

describe("HeadlessRun.finish: what opencode run would have printed of the continuation", () => {
  const notice = "alpha/exhausted: out of quota or credit. Continuing this session on beta/backup.";

  it("default format: the notice and header on stderr, the answer on stdout, exit 0", async () => {
    const out = capture();
    const run = new HeadlessRun(hostProcessOf([...BIN, "run", "x"]), portWith([answered("msg_9", "THE ANSWER")]), 10_000, out, Date.now, async () => {});
    run.defer({ sessionID: "ses_run", notice, send: async () => ({ ok: true, afterID: "msg_5" }) });
    expect(run.pending).toBe(true);
    await run.finish();
    expect(out.out).toBe("THE ANSWER\n");
    expect(out.err).toContain(`opencode-session-fallback: ${notice}`);
    expect(out.err).toContain("> coder · backup");
    expect(out.code).toBe(0);
    expect(run.pending).toBe(false);
  });

  it("JSON format: run's own event lines, in order, and nothing else on stdout", async () => {
    const out = capture();
    const run = new HeadlessRun(hostProcessOf([...BIN, "run", "--format", "json", "x"]), portWith([answered("msg_9", "JSON ANSWER")]), 10_000, out, () => 1000, async () => {});
    run.defer({ sessionID: "ses_run", notice, send: async () => ({ ok: true, afterID: "msg_5" }) });
    await run.finish();
    const lines = out.out.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(["step_start", "text", "step_finish"]);
    expect(lines[1]).toMatchObject({ sessionID: "ses_run", timestamp: 1000, part: { text: "JSON ANSWER" } });
    expect(out.code).toBe(0);
  });

  it("messages from before the continuation are never printed; a TTY gets run's blank lines", async () => {
    const out = capture(true);
    const run = new HeadlessRun(hostProcessOf([...BIN, "run", "x"]), portWith([answered("msg_1", "OLD"), answered("msg_9", "NEW")]), 10_000, out, Date.now, async () => {});
    run.defer({ sessionID: "ses_run", notice, send: async () => ({ ok: true, afterID: "msg_5" }) });
    await run.finish();
    expect(out.out).toBe("\nNEW\n\n");
  });

  it("the continuation fails: error on stderr (and an error event in JSON), exit 1; secrets redacted", async () => {
    const out = capture();
    const failed = { info: { id: "msg_9", role: "assistant", time: { created: 1, completed: 2 }, error: { name: "APIError", data: { message: "Incorrect API key provided: sk-proj-AbCdEf0123456789xyz" } } } as MessageInfo, parts: [] };
    const run = new HeadlessRun(hostProcessOf([...BIN, "run", "--format", "json", "x"]), portWith([failed]), 10_000, out, Date.now, async () => {});
    run.defer({ sessionID: "ses_run", notice, send: async () => ({ ok: true, afterID: "msg_5" }) });
    await run.finish();
    expect(out.code).toBe(1);
    expect(out.err).toContain("Error: Incorrect API key provided");
    expect(JSON.parse(out.out.trim())).toMatchObject({ type: "error", sessionID: "ses_run" });
    expect(out.out + out.err).not.toContain("AbCdEf0123456789");
  });

  it("the continuation cannot be sent, or never answers within the bound: exit 1 with a line saying so", async () => {
    const out = capture();
    const run = new HeadlessRun(hostProcessOf([...BIN, "run", "x"]), portWith([]), 10_000, out, Date.now, async () => {});
    run.defer({ sessionID: "ses_run", notice, send: async () => ({ ok: false, error: "prompt-failed" }) });
    await run.finish();
    expect(out.code).toBe(1);
    expect(out.err).toMatch(/could not be sent: prompt-failed/);

    let now = 0;
    const slow = capture();
    const waiting = new HeadlessRun(hostProcessOf([...BIN, "run", "x"]), portWith([]), 1000, slow, () => now, async (ms) => void (now += ms));
    waiting.defer({ sessionID: "ses_run", notice, send: async () => ({ ok: true, afterID: "msg_5" }) });
    await waiting.finish();
    expect(slow.code).toBe(1);
    expect(slow.err).toMatch(/no answer within 1 s .*opencode run --session ses_run/);
  });

  it("an aborted continuation (completed, no finish, no error) is a failure, not an answer", async () => {
    const out = capture();
    const aborted = { info: { id: "msg_9", role: "assistant", time: { created: 1, completed: 2 } } as MessageInfo, parts: [{ id: "p", type: "patch" }] };
    const run = new HeadlessRun(hostProcessOf([...BIN, "run", "x"]), portWith([aborted]), 10_000, out, Date.now, async () => {});
    run.defer({ sessionID: "ses_run", notice, send: async () => ({ ok: true, afterID: "msg_5" }) });
    await run.finish();
    expect(out.code).toBe(1);
    expect(out.err).toContain("aborted before the model answered");
  });

  it("answers the continuation's permission requests as run does: rejected, or allowed once with --dangerously-skip-permissions", async () => {
    for (const [args, reply] of [[["run", "x"], "reject"], [["run", "--dangerously-skip-permissions", "x"], "once"]] as const) {
      const replies: Array<[string, string]> = [];
      let polls = 0;
      const port = Object.assign(new FakeOpencode(), {
        transcript: async () => (polls++ < 2 ? [] : [answered("msg_9", "DONE")]),
        pendingPermissions: async () => [{ id: "per_1", permission: "bash", patterns: ["rm -rf build"] }],
        replyPermission: async (id: string, r: string) => void replies.push([id, r]),
      });
      const out = capture();
      const run = new HeadlessRun(hostProcessOf([...BIN, ...args]), port, 10_000, out, Date.now, async () => {});
      run.defer({ sessionID: "ses_run", notice, send: async () => ({ ok: true, afterID: "msg_5" }) });
      await run.finish();
      expect(replies, args.join(" ")).toEqual([["per_1", reply]]);
      if (reply === "reject") expect(out.err).toContain("! permission requested: bash (rm -rf build); auto-rejecting");
    }
  });

  it("a turn OpenCode's loop left at tool-calls (a rejected permission) ends once the session is idle, not at the wait bound", async () => {
    const out = capture();
    const stopped = answered("msg_9", "I tried", { finish: "tool-calls", tokens: { output: 4 } });
    const port = Object.assign(new FakeOpencode(), { transcript: async () => [stopped], isBusy: async () => false });
    const run = new HeadlessRun(hostProcessOf([...BIN, "run", "x"]), port, 60_000, out, Date.now, async () => {});
    run.defer({ sessionID: "ses_run", notice, send: async () => ({ ok: true, afterID: "msg_5" }) });
    await run.finish();
    expect(out.code).toBe(0);
    expect(out.out).toBe("I tried\n");
  });

  it("owns only the run's own session (a sub-agent's session continues as usual)", async () => {
    const fake = Object.assign(new FakeOpencode(), { parentOf: async (id: string) => (id === "ses_child" ? "ses_run" : undefined) });
    const run = new HeadlessRun(hostProcessOf([...BIN, "run", "x"]), fake, 10_000, capture());
    expect(await run.owns("ses_run")).toBe(true);
    expect(await run.owns("ses_child")).toBe(false);
    const tui = new HeadlessRun(hostProcessOf([...BIN]), fake, 10_000, capture());
    expect(await tui.owns("ses_run")).toBe(false);
  });
});
