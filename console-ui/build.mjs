// Bundles the console's page script and style into dist/ with esbuild: everything the page loads comes
// from this service (no CDN, nothing fetched at run time). Run by scripts/build-console.sh.
import { build } from "esbuild";

await build({
  entryPoints: { console: "src/main.js" },
  bundle: true,
  format: "esm",
  minify: true,
  sourcemap: true,
  target: ["es2020"],
  outdir: "dist",
  logLevel: "warning",
});
await build({
  entryPoints: { console: "src/console.css" },
  bundle: true,
  minify: true,
  outdir: "dist",
  logLevel: "warning",
});
