// Copy the dist files the pages use from node_modules into src/dataetat/web/static/vendor/
// (gitignored; `make install` runs this after `npm ci`). No bundler: the files are served as they are.
// The DSFR keeps its own layout (dsfr.min.css → fonts/, icons/; utility/icons/icons.min.css →
// ../../icons/), so the relative url() in its CSS resolve.
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const vendor = join(here, "..", "src", "dataetat", "web", "static", "vendor");
const building = `${vendor}.tmp`;

// [package, file or folder inside the package, destination inside vendor/]
const COPIES = [
  ["@gouvfr/dsfr", "dist/dsfr.min.css", "dsfr/dsfr.min.css"],
  ["@gouvfr/dsfr", "dist/dsfr.module.min.js", "dsfr/dsfr.module.min.js"],
  ["@gouvfr/dsfr", "dist/dsfr.nomodule.min.js", "dsfr/dsfr.nomodule.min.js"],
  ["@gouvfr/dsfr", "dist/fonts", "dsfr/fonts"],
  ["@gouvfr/dsfr", "dist/icons", "dsfr/icons"],
  ["@gouvfr/dsfr", "dist/favicon", "dsfr/favicon"],
  ["@gouvfr/dsfr", "dist/artwork", "dsfr/artwork"],
  ["@gouvfr/dsfr", "dist/utility/utility.min.css", "dsfr/utility/utility.min.css"],
  ["@gouvfr/dsfr", "dist/utility/icons/icons.min.css", "dsfr/utility/icons/icons.min.css"],
  ["htmx.org", "dist/htmx.min.js", "htmx/htmx.min.js"],
  ["maplibre-gl", "dist/maplibre-gl.js", "maplibre-gl/maplibre-gl.js"],
  ["maplibre-gl", "dist/maplibre-gl.css", "maplibre-gl/maplibre-gl.css"],
  ["echarts", "dist/echarts.min.js", "echarts/echarts.min.js"],
  ["swagger-ui-dist", "swagger-ui-bundle.js", "swagger-ui/swagger-ui-bundle.js"], // /docs (API)
  ["swagger-ui-dist", "swagger-ui.css", "swagger-ui/swagger-ui.css"],
  ["axe-core", "axe.min.js", "axe-core/axe.min.js"], // for the browser tests only, with its
  ["axe-core", "locales/fr.json", "axe-core/fr.json"], // French messages
];

// Folders copied whole keep only what a browser fetches (no source maps, READMEs or sources).
const served = (path) => !/\.(map|md|scss|ts)$/.test(path);

rmSync(building, { recursive: true, force: true });
const versions = {};
for (const [pkg, from, to] of COPIES) {
  const source = join(modules, pkg, from);
  if (!existsSync(source)) {
    console.error(`build.mjs : ${source} introuvable (lancez \`npm ci\` dans frontend/).`);
    process.exit(1);
  }
  mkdirSync(dirname(join(building, to)), { recursive: true });
  cpSync(source, join(building, to), { recursive: true, filter: served });
  versions[pkg] = JSON.parse(readFileSync(join(modules, pkg, "package.json"), "utf8")).version;
}
writeFileSync(join(building, "versions.json"), `${JSON.stringify(versions, null, 2)}\n`);
rmSync(vendor, { recursive: true, force: true });
renameSync(building, vendor);
console.log(`static/vendor/ : ${Object.entries(versions).map(([p, v]) => `${p} ${v}`).join(", ")}`);
