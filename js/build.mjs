// Bundles one ESM file for all widgets (the shell and every task body) into ../xmwidgets/static (git-ignored; shipped in the wheel).
import * as esbuild from "esbuild";

const options = {
  entryPoints: { widgets: "src/widgets.ts" },
  bundle: true,
  format: "esm",
  target: "es2020",
  minify: !process.argv.includes("--watch"),
  sourcemap: process.argv.includes("--watch") ? "inline" : false,
  outdir: "../xmwidgets/static",
  logLevel: "info",
};

if (process.argv.includes("--watch")) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
} else {
  await esbuild.build(options);
}
