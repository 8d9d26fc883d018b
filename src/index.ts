import type { Plugin } from "@opencode-ai/plugin";
import { createHooks, PLUGIN_ID } from "./plugin";
import { redactSecrets } from "./support/redact";

/**
 * The OpenCode server plugin. OpenCode calls `server(input, options)` once per project instance;
 * `options` are the second element of a `["opencode-session-fallback", { ... }]` entry in opencode.json.
 * Init never throws: a failure is logged and an empty hook set returned, so OpenCode keeps working.
 */
const server: Plugin = async (input, options) => {
  try {
    return createHooks(input, options);
  } catch (error) {
    try {
      await input.client.app.log({
        body: { service: PLUGIN_ID, level: "error", message: redactSecrets(`init failed, the plugin is off for this instance: ${error instanceof Error ? error.message : String(error)}`) },
      });
    } catch {
      // Nothing more can be done; OpenCode goes on without the plugin.
    }
    return {};
  }
};

/**
 * The module shape OpenCode loads: structurally `PluginModule` of `@opencode-ai/plugin`, declared here so
 * the published types resolve without that package (an optional peer: OpenCode ships it, and installing
 * it with the plugin cost ~50 MB).
 */
export interface SessionFallbackModule {
  readonly id: string;
  readonly server: (input: never, options?: Readonly<Record<string, unknown>>) => Promise<object>;
}

/**
 * The plugin module. OpenCode treats a default export with `id` and `server` as a plugin module; the
 * entry exports nothing else, because OpenCode calls every other export as a plugin function.
 */
const plugin: SessionFallbackModule = { id: PLUGIN_ID, server };

export default plugin;
