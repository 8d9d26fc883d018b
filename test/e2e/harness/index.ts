/** The end-to-end harness: a scripted mock provider and a real `opencode serve` wired to it. */
export * from "./mock-provider.js";
export * from "./opencode-server.js";
export * from "./clients.js";
export * from "./tui.js";
