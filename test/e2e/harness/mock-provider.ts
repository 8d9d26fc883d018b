/**
 * A loopback mock of an OpenAI-compatible chat-completions provider, scripted per model ID.
 *
 * OpenCode reaches it through a custom provider declared with `"npm": "@ai-sdk/openai-compatible"`
 * and `options.baseURL` = {@link MockProvider.baseURL}. That SDK sends
 * `POST {baseURL}/chat/completions` with `stream: true` and
 * `stream_options: { include_usage: true }` (OpenCode forces `includeUsage`), and expects
 * `data: {chunk}` SSE lines ending with `data: [DONE]`.
 *
 * @example
 * const mock = await startMockProvider();
 * mock.script("primary", [{ kind: "error", status: 429, body: OPENAI_INSUFFICIENT_QUOTA }]);
 * mock.script("fallback", [{ kind: "text", text: "hello from fallback" }]);
 * // ...drive OpenCode...
 * expect(mock.requestsFor("fallback")).toHaveLength(1);
 * await mock.close();
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One scripted answer of the mock provider. */
export type MockStep =
  /** A normal completion (streamed when the request asks for it), with usage. */
  | { kind: "text"; text: string }
  /** An HTTP error answered with `body` (an object is sent as JSON, a string as-is). */
  | { kind: "error"; status: number; body: unknown; headers?: Record<string, string> }
  /**
   * A 200 SSE stream that sends `afterText` (if any) and then `body` as a `data:` chunk, the way
   * OpenAI reports an error in the middle of a stream (`{"error":{...}}`), then ends.
   */
  | { kind: "stream-error"; afterText?: string; body: unknown }
  /** Never answers; the connection stays open until the client gives up or the mock closes. */
  | { kind: "hang" }
  /**
   * The model calls tool `name` with `args` (one tool call, then `finish_reason: "tool_calls"`), the way
   * OpenAI streams it and `@ai-sdk/openai-compatible` parses it: a first `delta.tool_calls` chunk with
   * `index`, `id`, `type: "function"`, `function.name` and empty `function.arguments`, then the JSON
   * arguments in pieces, then usage and `[DONE]`. OpenCode runs the tool and calls the same model
   * again with the result as a `role: "tool"` message (`tool_call_id` = `id`). `id` defaults to
   * `call_mock_N`.
   *
   * @example
   * mock.script("lead", [
   *   { kind: "tool-call", name: "task", args: { description: "compute", prompt: "SUBTASK", subagent_type: "helper" } },
   *   { kind: "text", text: "done" },
   * ]);
   */
  | { kind: "tool-call"; name: string; args: object; id?: string };

/** One request the mock received. */
export interface MockRequest {
  /** `Date.now()` when the request body was fully read. */
  at: number;
  method: string;
  path: string;
  /** `body.model`, the model ID OpenCode asked for (undefined for GET requests). */
  model: string | undefined;
  /** The parsed JSON body (undefined when there is none or it is not JSON). */
  body: any;
  headers: IncomingHttpHeaders;
  /**
   * OpenCode's session ID, from the `x-session-id` header OpenCode 1.18 sends with every provider
   * call: ties a request to the session that made it.
   */
  sessionID: string | undefined;
  /** What the mock answered, e.g. `text`, `error 429`, `hang`, `models`. */
  answeredWith: string;
}

/** A running mock provider. */
export interface MockProvider {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `http://127.0.0.1:PORT/v1`: the `baseURL` to give `@ai-sdk/openai-compatible`. */
  readonly baseURL: string;
  /** Every request received, in arrival order (cleared by {@link MockProvider.reset}). */
  readonly requests: MockRequest[];
  /**
   * Scripts `modelID`: its n-th chat request gets `steps[n]`; the last step repeats when the steps
   * run out. Re-scripting a model restarts its script. A model without a script answers
   * `mock reply from MODEL`.
   */
  script(modelID: string, steps: MockStep[]): void;
  /**
   * Answers `GET path` (any query) with `body` as JSON (status 200 unless given): a loopback stand-in for
   * a provider's usage API. Kept across {@link MockProvider.reset}? No: reset forgets it too.
   */
  serveJson(path: string, body: unknown, status?: number): void;
  /** The chat-completion requests for `modelID`. */
  requestsFor(modelID: string): MockRequest[];
  /** The chat-completion requests made for session `sessionID` (see {@link MockRequest.sessionID}). */
  requestsForSession(sessionID: string): MockRequest[];
  /** The text of the request's system messages, joined with "\n". */
  systemTextOf(request: MockRequest): string;
  /** The text of the request's last user message. */
  lastUserTextOf(request: MockRequest): string;
  /**
   * Resolves with the first request (already received or future) matching `predicate`; rejects
   * after `timeoutMs`. Filter on `r.at` to ignore earlier requests.
   */
  waitForRequest(predicate: (request: MockRequest) => boolean, timeoutMs?: number): Promise<MockRequest>;
  /** Forgets requests, scripts and script positions. */
  reset(): void;
  /** Stops the server, cutting hanging connections. */
  close(): Promise<void>;
}

/** The 429 OpenAI answers when the account has no quota left (a real body). */
export const OPENAI_INSUFFICIENT_QUOTA = {
  error: {
    message:
      "You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
    type: "insufficient_quota",
    param: null,
    code: "insufficient_quota",
  },
} as const;

/**
 * Google AI Studio's per-minute limit in quota words (issue 11): a real 429 body,
 * https://github.com/tech-shrimp/gemini-playground/issues/10. Before issue 11 it was quota and fell back at once.
 */
const GOOGLE_PER_MINUTE_MESSAGE =
  "Quota exceeded for quota metric 'Generate Content API requests per minute' and limit 'GenerateContent request limit per minute for a region' of service 'generativelanguage.googleapis.com' for consumer 'project_number:391029737820'.";
export const GOOGLE_PER_MINUTE = {
  error: {
    code: 429,
    message: GOOGLE_PER_MINUTE_MESSAGE,
    status: "RESOURCE_EXHAUSTED",
    details: [
      {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        reason: "RATE_LIMIT_EXCEEDED",
        domain: "googleapis.com",
        metadata: { service: "generativelanguage.googleapis.com", quota_limit: "GenerateContentRequestsPerMinutePerProjectPerRegion", quota_metric: "generativelanguage.googleapis.com/generate_content_requests" },
      },
    ],
  },
} as const;
/** LiteLLM proxy's per-model budget (its docs' example response, a 429): before issue 11 a plain 429, retried for a minute. */
export const LITELLM_MODEL_BUDGET = { error: { message: "LiteLLM User: engineer-1, exceeded budget for model=claude-opus-4-8", type: "budget_exceeded", param: null, code: "429" } } as const;

/** Text the mock answers for a model without a script. */
export function defaultReplyFor(modelID: string): string {
  return `mock reply from ${modelID}`;
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (part && typeof part === "object" && typeof part.text === "string" ? part.text : ""))
      .filter((text) => text !== "")
      .join("\n");
  }
  return "";
}

function messagesOf(request: MockRequest): Array<{ role?: string; content?: unknown }> {
  const messages = request.body?.messages;
  return Array.isArray(messages) ? messages : [];
}

/** Splits text into a few chunks (words with their trailing space) so it streams like a real model. */
function chunksOf(text: string): string[] {
  const chunks = text.match(/\S+\s*|\s+/g);
  return chunks && chunks.length > 0 ? chunks : [text];
}

/** Starts the mock on 127.0.0.1 with a free port. */
export async function startMockProvider(): Promise<MockProvider> {
  const requests: MockRequest[] = [];
  const scripts = new Map<string, MockStep[]>();
  const positions = new Map<string, number>();
  const waiters = new Set<{ predicate: (r: MockRequest) => boolean; resolve: (r: MockRequest) => void }>();
  let completionCounter = 0;

  function record(request: MockRequest): void {
    requests.push(request);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(request)) {
        waiters.delete(waiter);
        waiter.resolve(request);
      }
    }
  }

  function nextStep(modelID: string): MockStep {
    const steps = scripts.get(modelID);
    if (!steps || steps.length === 0) return { kind: "text", text: defaultReplyFor(modelID) };
    const position = positions.get(modelID) ?? 0;
    positions.set(modelID, position + 1);
    return steps[Math.min(position, steps.length - 1)]!;
  }

  function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(text);
  }

  function answerChat(res: ServerResponse, model: string, stream: boolean, step: MockStep): string {
    const id = `chatcmpl-mock-${++completionCounter}`;
    const created = Math.floor(Date.now() / 1000);
    const chunk = (delta: Record<string, unknown>, finish: string | null) =>
      `data: ${JSON.stringify({
        id,
        object: "chat.completion.chunk",
        created,
        model,
        choices: [{ index: 0, delta, finish_reason: finish }],
      })}\n\n`;
    const usageOf = (text: string) => ({
      prompt_tokens: 10,
      completion_tokens: Math.max(1, chunksOf(text).length),
      total_tokens: 10 + Math.max(1, chunksOf(text).length),
    });
    const openStream = () =>
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });

    switch (step.kind) {
      case "hang":
        // Send nothing, not even headers; close() cuts the socket.
        return "hang";
      case "error":
        sendJson(res, step.status, step.body, step.headers);
        return `error ${step.status}`;
      case "text": {
        if (!stream) {
          sendJson(res, 200, {
            id,
            object: "chat.completion",
            created,
            model,
            choices: [{ index: 0, message: { role: "assistant", content: step.text }, finish_reason: "stop" }],
            usage: usageOf(step.text),
          });
          return "text";
        }
        openStream();
        res.write(chunk({ role: "assistant", content: "" }, null));
        for (const piece of chunksOf(step.text)) res.write(chunk({ content: piece }, null));
        res.write(chunk({}, "stop"));
        res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [], usage: usageOf(step.text) })}\n\n`);
        res.end("data: [DONE]\n\n");
        return "text";
      }
      case "tool-call": {
        const callId = step.id ?? `call_mock_${completionCounter}`;
        const args = JSON.stringify(step.args);
        const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
        if (!stream) {
          sendJson(res, 200, {
            id,
            object: "chat.completion",
            created,
            model,
            choices: [
              {
                index: 0,
                message: { role: "assistant", content: null, tool_calls: [{ id: callId, type: "function", function: { name: step.name, arguments: args } }] },
                finish_reason: "tool_calls",
              },
            ],
            usage,
          });
          return "tool-call";
        }
        openStream();
        res.write(
          chunk({ role: "assistant", content: null, tool_calls: [{ index: 0, id: callId, type: "function", function: { name: step.name, arguments: "" } }] }, null),
        );
        // The arguments in two pieces, as a real stream splits them (the SDK joins them until they parse).
        const half = Math.ceil(args.length / 2);
        for (const piece of [args.slice(0, half), args.slice(half)]) {
          if (piece) res.write(chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }, null));
        }
        res.write(chunk({}, "tool_calls"));
        res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [], usage })}\n\n`);
        res.end("data: [DONE]\n\n");
        return "tool-call";
      }
      case "stream-error": {
        if (!stream) {
          // A mid-stream error has no non-streaming form; answer it as a 500 with the same body.
          sendJson(res, 500, step.body);
          return "stream-error (as 500)";
        }
        openStream();
        res.write(chunk({ role: "assistant", content: "" }, null));
        if (step.afterText) for (const piece of chunksOf(step.afterText)) res.write(chunk({ content: piece }, null));
        const body = typeof step.body === "string" ? step.body : JSON.stringify(step.body);
        res.write(`data: ${body}\n\n`);
        res.end();
        return "stream-error";
      }
    }
  }

  const jsonRoutes = new Map<string, { body: unknown; status: number }>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const piece of req) chunks.push(piece as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    let body: any;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    const path = (req.url ?? "/").split("?")[0]!;
    const method = req.method ?? "GET";
    const request: MockRequest = {
      at: Date.now(),
      method,
      path,
      model: typeof body?.model === "string" ? body.model : undefined,
      body,
      headers: req.headers,
      sessionID: typeof req.headers["x-session-id"] === "string" ? req.headers["x-session-id"] : undefined,
      answeredWith: "",
    };

    const served = jsonRoutes.get(path);
    if (method === "GET" && served) {
      request.answeredWith = `json ${served.status}`;
      record(request);
      sendJson(res, served.status, served.body);
      return;
    }
    if (method === "GET" && path.endsWith("/models")) {
      request.answeredWith = "models";
      record(request);
      sendJson(res, 200, {
        object: "list",
        data: [...scripts.keys()].map((id) => ({ id, object: "model", created: 0, owned_by: "mock" })),
      });
      return;
    }
    if (method === "POST" && path.endsWith("/chat/completions") && request.model) {
      const step = nextStep(request.model);
      // Record before answering so waiters see the request even when the step hangs.
      request.answeredWith = step.kind === "error" ? `error ${step.status}` : step.kind;
      record(request);
      answerChat(res, request.model, body?.stream === true, step);
      return;
    }
    request.answeredWith = "404";
    record(request);
    sendJson(res, 404, { error: { message: `mock provider: no route for ${method} ${path}`, type: "not_found" } });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(error), type: "mock_failure" } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    baseURL: `${url}/v1`,
    requests,
    serveJson(path, body, status = 200) {
      jsonRoutes.set(path, { body, status });
    },
    script(modelID, steps) {
      scripts.set(modelID, [...steps]);
      positions.set(modelID, 0);
    },
    requestsFor(modelID) {
      return requests.filter((r) => r.model === modelID && r.path.endsWith("/chat/completions"));
    },
    requestsForSession(sessionID) {
      return requests.filter((r) => r.sessionID === sessionID && r.path.endsWith("/chat/completions"));
    },
    systemTextOf(request) {
      return messagesOf(request)
        .filter((m) => m.role === "system")
        .map((m) => contentText(m.content))
        .join("\n");
    },
    lastUserTextOf(request) {
      const users = messagesOf(request).filter((m) => m.role === "user");
      return users.length > 0 ? contentText(users[users.length - 1]!.content) : "";
    },
    waitForRequest(predicate, timeoutMs = 15_000) {
      const existing = requests.find(predicate);
      if (existing) return Promise.resolve(existing);
      return new Promise((resolve, reject) => {
        const waiter = {
          predicate,
          resolve: (r: MockRequest) => {
            clearTimeout(timer);
            resolve(r);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const seen = requests.map((r) => `${r.method} ${r.path} ${r.model ?? ""} -> ${r.answeredWith}`).join("\n  ");
          reject(new Error(`mock provider: no matching request within ${timeoutMs} ms; received:\n  ${seen || "(none)"}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    reset() {
      jsonRoutes.clear();
      requests.length = 0;
      scripts.clear();
      positions.clear();
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
