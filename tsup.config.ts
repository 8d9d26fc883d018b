import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    classify: "src/classify.ts",
    cli: "src/cli.ts",
  },
  format: ["esm"],
  target: "node20",
  platform: "node",
  dts: { entry: { index: "src/index.ts", classify: "src/classify.ts" } },
  clean: true,
  sourcemap: false,
  splitting: true,
  // Dependencies stay external: OpenCode installs them with the package.
});
