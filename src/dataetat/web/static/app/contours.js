// The contours shipped with the app (/static/geo/, built by scripts/build_geo.py) for the maps
// (carte.js, qpv.js): their versioned URLs from index.json (the files themselves are then cached by
// the browser for a year, web/geo.py), the communes loaded by département on demand, and the zone
// chosen in a search (niveau_geo + code_geo) as an outline drawn on top of a map and zoomed to.

const EMPTY = { type: "FeatureCollection", features: [] };
// Municipal arrondissements (in the data) are drawn on their commune (the only contour shipped).
const PLM = [["751", "75056", 75101, 75120], ["6938", "69123", 69381, 69389], ["132", "13055", 13201, 13216]];
const LAYERS = { region: "regions", departement: "departements", epci: "epci" };
const ZONE_COLOUR = "#000091"; // bleu France
let index = null;
const files = new Map(); // index name → Promise<FeatureCollection>

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`Contours introuvables (${response.status}).`);
  return response.json();
}

// index.json is revalidated each time (ETag, 304): a rebuilt file gets a new URL.
function urls() {
  index ??= getJson("/static/geo/index.json").catch((e) => { index = null; throw e; });
  return index;
}

function file(name) {
  if (!files.has(name)) {
    files.set(name, urls().then((u) => (u[name] ? getJson(u[name]) : EMPTY)).catch((e) => { files.delete(name); throw e; }));
  }
  return files.get(name);
}

export const departementOf = (code) => code.slice(0, code.startsWith("97") ? 3 : 2);

export function featureCode(code) {
  for (const [prefix, commune, lo, hi] of PLM) {
    if (code.startsWith(prefix) && +code >= lo && +code <= hi) return commune;
  }
  return code;
}

/** Régions, départements or EPCI: one file each. */
export function layer(niveau) {
  return file(LAYERS[niveau]);
}

/** The communes of some départements (one file per département, fetched in parallel, kept); the
    same set of départements gives the same object (a map source is not reloaded for nothing). */
const merged = new Map(); // "29,35" → Promise<FeatureCollection>
export function communes(departements) {
  const list = [...new Set(departements)].sort();
  const key = list.join(",");
  if (!merged.has(key)) {
    merged.set(key, Promise.all(list.map((d) => file(`communes/${d}`)))
      .then((parts) => ({ type: "FeatureCollection", features: parts.flatMap((p) => p.features) }))
      .catch((e) => { merged.delete(key); throw e; }));
    if (merged.size > 8) merged.delete(merged.keys().next().value);
  }
  return merged.get(key);
}

/** The zone filter of a search's API query (`niveau_geo`, `code_geo`), or null. */
export function chosenZone(api) {
  const query = new URLSearchParams(api || "");
  const niveau = query.get("niveau_geo"), codes = (query.get("code_geo") || "").split(",").filter(Boolean);
  return niveau && codes.length ? { niveau, codes } : null;
}

/** The contours of the chosen zone (none for arrondissements and QPVs: no shipped contour). */
export async function zoneFeatures(zone) {
  if (!zone) return [];
  if (zone.niveau in LAYERS) {
    const codes = new Set(zone.codes);
    return (await layer(zone.niveau)).features.filter((f) => codes.has(f.properties.code));
  }
  if (zone.niveau === "commune") {
    const codes = new Set(zone.codes.map(featureCode));
    return (await communes(zone.codes.map(departementOf))).features.filter((f) => codes.has(f.properties.code));
  }
  return [];
}

export function bounds(features) {
  let [x0, y0, x1, y1] = [180, 90, -180, -90];
  const walk = (c) => { if (typeof c[0] === "number") { x0 = Math.min(x0, c[0]); y0 = Math.min(y0, c[1]); x1 = Math.max(x1, c[0]); y1 = Math.max(y1, c[1]); } else c.forEach(walk); };
  for (const f of features) if (f.geometry) walk(f.geometry.coordinates);
  return x0 <= x1 ? [[x0, y0], [x1, y1]] : null;
}

/** The chosen zone outlined above every other layer (a white halo under a bleu France line); the
    source "zone" and layer "zone-contour" are read by the browser tests. */
export function drawZone(map, features) {
  const data = { type: "FeatureCollection", features };
  if (map.getSource("zone")) {
    map.getSource("zone").setData(data);
    for (const id of ["zone-halo", "zone-contour"]) map.moveLayer(id); // back on top of a level added since
    return;
  }
  map.addSource("zone", { type: "geojson", data });
  map.addLayer({ id: "zone-halo", type: "line", source: "zone", paint: { "line-color": "#ffffff", "line-width": 6, "line-opacity": 0.9 } });
  map.addLayer({ id: "zone-contour", type: "line", source: "zone", paint: { "line-color": ZONE_COLOUR, "line-width": 3 } });
}
