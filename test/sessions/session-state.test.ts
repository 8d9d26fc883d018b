import { describe, expect, it } from "vitest";
import { SessionBook, pendingContinuation } from "../../src/sessions/session-state";

describe("SessionBook: one record per session, one small record per stage", () => {
  it("a new session starts with nothing recovered, on its own lane, never paced", () => {
    const record = new SessionBook().get("s");
    expect(record.recovery).toMatchObject({ count: 0, ownAbortUntil: 0, userAbortAt: 0, idleCheckQueued: false, idleRecheck: false, continuation: undefined, lastContinuation: undefined, continuedAt: 0 });
    expect(record.recovery.handled.size).toBe(0);
    expect(record.lane).toEqual({ sticky: undefined });
    expect(record.pace).toEqual({ lastMessageID: undefined, manualTurnsLeft: 0, lastSwitchAt: 0 });
    // The work queue is the book's own, not a field a stage could overwrite.
    expect(Object.keys(record).sort()).toEqual(["lane", "pace", "recovery"]);
  });

  it("sessions do not share records, and get/find return the same record", () => {
    const book = new SessionBook();
    book.get("a").recovery.count = 2;
    expect(book.get("b").recovery.count).toBe(0);
    expect(book.find("a")).toBe(book.get("a"));
    expect(book.find("never")).toBeUndefined();
    expect(book.size).toBe(2);
  });

  it("keeps at most 64 handled message IDs per session, the oldest dropped first", () => {
    const book = new SessionBook();
    const record = book.get("s");
    for (let i = 0; i < 70; i++) book.markHandled(record, `msg_${i}`);
    expect(record.recovery.handled.size).toBe(64);
    expect(record.recovery.handled.has("msg_5")).toBe(false);
    expect(record.recovery.handled.has("msg_6")).toBe(true);
  });
});

describe("SessionBook: the work queue", () => {
  it("runs one session's work in order, other sessions' side by side", async () => {
    const book = new SessionBook();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = book.run("a", async () => {
      await gate;
      order.push("a1");
    });
    const second = book.run("a", async () => void order.push("a2"));
    await book.run("b", async () => void order.push("b1"));
    expect(order).toEqual(["b1"]);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(["b1", "a1", "a2"]);
  });

  it("reports a throwing piece of work once, with its step, and goes on with the next", async () => {
    const book = new SessionBook();
    const errors: string[] = [];
    book.onWorkError = (sessionID, step, error) => void errors.push(`${sessionID}: ${step}: ${(error as Error).message}`);
    await book.run("s", async () => {
      throw new Error("boom");
    }, "reading the session");
    let ran = false;
    await book.run("s", async () => void (ran = true));
    expect(errors).toEqual(["s: reading the session: boom"]);
    expect(ran).toBe(true);
  });

  it("drain waits for every session's queued work", async () => {
    const book = new SessionBook();
    let done = 0;
    for (const id of ["a", "b", "c"]) void book.run(id, async () => void (await Promise.resolve(), done++));
    await book.drain();
    expect(done).toBe(3);
  });
});

describe("SessionBook: eviction", () => {
  it("drops the least recently used settled session, and keeps one whose continuation still runs", () => {
    const book = new SessionBook(3);
    book.get("busy").recovery.continuation = pendingContinuation("msg_1");
    book.get("old");
    book.get("new");
    book.get("fourth");
    expect(book.size).toBe(3);
    expect(book.find("busy")).toBeDefined();
    expect(book.find("old")).toBeUndefined();
    expect(book.find("new")).toBeDefined();
  });

  it("a touched session moves to the back of the line", () => {
    const book = new SessionBook(2);
    book.get("a");
    book.get("b");
    book.get("a");
    book.get("c");
    expect(book.find("a")).toBeDefined();
    expect(book.find("b")).toBeUndefined();
  });
});
