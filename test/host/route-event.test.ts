import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { routeEvent } from "../../src/host/route-event";

describe("routeEvent", () => {
  it("narrows the three events the plugin acts on", () => {
    expect(routeEvent({ type: "session.status", properties: { sessionID: "s", status: { type: "retry", attempt: 2, message: "m", next: 5 } } })).toEqual({
      type: "retry",
      sessionID: "s",
      error: { type: "retry", attempt: 2, message: "m", next: 5 },
    });
    expect(routeEvent({ type: "session.error", properties: { sessionID: "s", error: { name: "X" } } })).toEqual({ type: "error", sessionID: "s", error: { name: "X" } });
    expect(routeEvent({ type: "session.idle", properties: { sessionID: "s" } })).toEqual({ type: "idle", sessionID: "s" });
  });
  it("drops everything else, including session.error without a session (plugin load failures) and non-retry statuses", () => {
    expect(routeEvent({ type: "session.error", properties: { error: {} } })).toBeUndefined();
    expect(routeEvent({ type: "session.status", properties: { sessionID: "s", status: { type: "busy" } } })).toBeUndefined();
    expect(routeEvent({ type: "message.part.updated", properties: { sessionID: "s" } })).toBeUndefined();
  });
  it("never reads more than `type` from an irrelevant event", () => {
    const touched: string[] = [];
    const event = new Proxy({ type: "message.part.updated", properties: {} }, { get: (t, k) => (touched.push(String(k)), Reflect.get(t, k)) });
    routeEvent(event);
    expect(touched).toEqual(["type"]);
  });
  it("is total: any input, getters that throw included, never throws", () => {
    const hostile = { get type() { throw new Error("boom"); } };
    expect(routeEvent(hostile)).toBeUndefined();
    fc.assert(
      fc.property(fc.anything({ withObjectString: true, withNullPrototype: true }), fc.constantFrom("session.error", "session.status", "session.idle", "x"), (anything, type) => {
        expect(() => routeEvent(anything)).not.toThrow();
        expect(() => routeEvent({ type, properties: anything })).not.toThrow();
        expect(() => routeEvent({ type, properties: { sessionID: "s", status: anything, error: anything } })).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });
});
