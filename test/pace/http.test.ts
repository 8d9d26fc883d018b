import { afterEach, describe, expect, it, vi } from "vitest";
import { fetchHttpGet, UsageTimeoutError, withTimeout } from "../../src/pace/sources/http";

/** A fetch fake that records its calls and answers with `body`. */
function fakeFetch(status: number, body: string) {
  const calls: Array<{ url: string; init: RequestInit | undefined }> = [];
  const impl = (async (url: string, init?: RequestInit) => {
    calls.push({ url, init });
    return { status, text: async () => body };
  }) as unknown as typeof fetch;
  return { impl, calls };
}

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("fetchHttpGet", () => {
  it("GETs with the headers and a signal, and answers status and JSON", async () => {
    const { impl, calls } = fakeFetch(200, '{"five_hour":{"utilization":5}}');
    const answer = await fetchHttpGet(1_000, impl)("https://api.example/usage", { Authorization: "Bearer t" });
    expect(answer).toEqual({ status: 200, json: { five_hour: { utilization: 5 } } });
    expect(calls[0]?.url).toBe("https://api.example/usage");
    expect(calls[0]?.init?.method).toBe("GET");
    expect(calls[0]?.init?.headers).toEqual({ Authorization: "Bearer t" });
    expect(calls[0]?.init?.signal).toBeInstanceOf(AbortSignal);
  });

  it.each([
    ["an HTML error page", "<html>502 Bad Gateway</html>"],
    ["an empty body", ""],
    ["whitespace", "  \n"],
    ["truncated JSON", '{"five_hour":'],
  ])("answers json null for %s", async (_label, body) => {
    expect(await fetchHttpGet(1_000, fakeFetch(502, body).impl)("https://x", {})).toEqual({ status: 502, json: null });
  });

  it("passes a non-2xx status through as an answer", async () => {
    expect(await fetchHttpGet(1_000, fakeFetch(401, '{"error":"unauthorized"}').impl)("https://x", {})).toEqual({ status: 401, json: { error: "unauthorized" } });
  });

  it("rejects with the fetch error", async () => {
    const failing = (async () => {
      throw new TypeError("fetch failed");
    }) as unknown as typeof fetch;
    await expect(fetchHttpGet(1_000, failing)("https://x", {})).rejects.toThrow("fetch failed");
  });

  it("uses the global fetch by default, looked up per call", async () => {
    const { impl, calls } = fakeFetch(200, "{}");
    const http = fetchHttpGet(1_000);
    vi.stubGlobal("fetch", impl);
    expect(await http("https://late", {})).toEqual({ status: 200, json: {} });
    expect(calls[0]?.url).toBe("https://late");
  });

  it("times out a fetch that never answers, aborting its signal", async () => {
    vi.useFakeTimers();
    let signal: AbortSignal | undefined;
    const hanging = ((_url: string, init?: RequestInit) => {
      signal = init?.signal ?? undefined;
      return new Promise(() => {});
    }) as unknown as typeof fetch;
    const pending = fetchHttpGet(5_000, hanging)("https://x", {});
    const outcome = pending.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(signal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const error = await outcome;
    expect(error).toBeInstanceOf(UsageTimeoutError);
    expect((error as Error).message).toBe("timed out after 5000 ms");
    expect(signal?.aborted).toBe(true);
  });

  it("times out a body that never finishes", async () => {
    vi.useFakeTimers();
    const stalled = (async () => ({ status: 200, text: () => new Promise<string>(() => {}) })) as unknown as typeof fetch;
    const outcome = fetchHttpGet(100, stalled)("https://x", {}).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(100);
    expect(await outcome).toBeInstanceOf(UsageTimeoutError);
  });

  it("leaves no timer behind once answered", async () => {
    vi.useFakeTimers();
    await fetchHttpGet(60_000, fakeFetch(200, "{}").impl)("https://x", {});
    expect(vi.getTimerCount()).toBe(0);
  });

  it("does not hold the process open while waiting (the timer is unref'd)", async () => {
    let release: (() => void) | undefined;
    const slow = (() =>
      new Promise((resolve) => {
        release = () => resolve({ status: 200, text: async () => "{}" });
      })) as unknown as typeof fetch;
    const spy = vi.spyOn(globalThis, "setTimeout");
    const pending = fetchHttpGet(60_000, slow)("https://x", {});
    const timer = spy.mock.results.at(-1)?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    release?.();
    await pending;
    spy.mockRestore();
  });
});

describe("withTimeout", () => {
  it("turns a synchronous throw into a rejection", async () => {
    await expect(
      withTimeout(() => {
        throw new Error("sync");
      }, 1_000),
    ).rejects.toThrow("sync");
  });

  it("answers the value when the work is in time", async () => {
    expect(await withTimeout(async () => 42, 1_000)).toBe(42);
  });
});
