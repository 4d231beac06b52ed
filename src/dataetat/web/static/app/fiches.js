// The "fiche" pages (beneficiary, territory): their charts (ECharts, loaded on demand, data from the
// container's data-donnees attribute: no inline script), the "Imprimer" button, and charts resized to
// the A4 width while printing.
import { euros, eurosCompacts } from "/static/app/formats.js";

const ECHARTS = "/static/vendor/echarts/echarts.min.js";
const BLEU_FRANCE = "#000091";
const ORANGE = "#b34000";
const DECALS = [
  { color: "rgba(255, 255, 255, 0.45)", dashArrayX: [1, 0], dashArrayY: [3, 5], rotation: -Math.PI / 4 },
  { symbol: "circle", color: "rgba(255, 255, 255, 0.6)", symbolSize: 0.7, dashArrayX: [[5, 3]], dashArrayY: [5, 3] },
];
const PRINT_WIDTH = 640; // px: a chart across an A4 page's printable width
const instances = [];

function loadEcharts() {
  if (window.echarts) return Promise.resolve(window.echarts);
  return new Promise((resolve, reject) => {
    const script = Object.assign(document.createElement("script"), { src: ECHARTS });
    script.onload = () => resolve(window.echarts);
    script.onerror = () => reject(new Error("La bibliothèque de graphiques n'a pas pu être chargée."));
    document.head.append(script);
  });
}

function tooltip(points) {
  const box = document.createElement("div");
  box.className = "graphique__infobulle";
  const title = document.createElement("p");
  title.textContent = points[0]?.name ?? "";
  box.append(title);
  for (const p of points) {
    const line = document.createElement("p");
    const pastille = document.createElement("span");
    pastille.className = "graphique__pastille";
    pastille.style.backgroundColor = [BLEU_FRANCE, ORANGE][p.seriesIndex]; // CSSOM: allowed by the CSP
    const value = document.createElement("strong");
    value.textContent = euros.format(p.value);
    line.append(pastille, `${p.seriesName} : `, value);
    box.append(line);
  }
  return box;
}

function options(data, horizontal) {
  const categories = {
    type: "category", data: data.map((d) => d.label), inverse: horizontal,
    axisLabel: horizontal ? { width: 170, overflow: "truncate", color: "#161616" } : { color: "#161616" },
  };
  const values = { type: "value", axisLabel: { formatter: (v) => eurosCompacts.format(v), color: "#161616" } };
  const bars = (name, key) => ({ name, type: "bar", data: data.map((d) => d[key]), barMaxWidth: 28 });
  return {
    color: [BLEU_FRANCE, ORANGE],
    textStyle: { fontFamily: "Marianne, arial, sans-serif" },
    aria: { enabled: true, decal: { show: true, decals: DECALS } },
    animation: false,
    legend: { top: 0, textStyle: { color: "#161616" } },
    grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: tooltip },
    xAxis: horizontal ? values : categories,
    yAxis: horizontal ? categories : values,
    series: [bars("Montant engagé (AE)", "ae"), bars("Montant payé (CP)", "cp")],
  };
}

async function drawCharts(root) {
  const nodes = [...root.querySelectorAll("[data-fiche-graphique]")];
  if (!nodes.length) return;
  let echarts;
  try {
    echarts = await loadEcharts();
  } catch (error) {
    for (const node of nodes) node.replaceChildren(Object.assign(document.createElement("p"), { className: "fr-error-text", textContent: error.message }));
    return;
  }
  for (const node of nodes) {
    const data = JSON.parse(node.dataset.donnees || "[]");
    const horizontal = node.dataset.ficheGraphique !== "annees";
    const instance = echarts.init(node, null, { renderer: "canvas" });
    instance.setOption(options(data, horizontal));
    node.dataset.dessine = "1"; // read by the browser tests
    instances.push(instance);
  }
  window.addEventListener("resize", () => instances.forEach((i) => i.resize()));
}

// Printing: charts at the printed width (they keep their screen size otherwise), back afterwards.
window.addEventListener("beforeprint", () => instances.forEach((i) => i.resize({ width: PRINT_WIDTH })));
window.addEventListener("afterprint", () => instances.forEach((i) => i.resize({ width: "auto" })));

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-imprimer]")) window.print();
});

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => drawCharts(document));
else drawCharts(document);
