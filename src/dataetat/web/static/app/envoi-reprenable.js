// Resumable upload of the form « Nouveaux fichiers » (web/pages/envoi_reprenable.py): the files are
// sliced into chunks sent one by one with their offset; a progress bar per file; a cut connection
// is retried with a growing delay, asking the server how much it received, and resumes there. The
// session id is kept (localStorage) for the same files: after a reload, choosing the same files
// again resumes the upload. Without this script the form is sent whole (multipart), as before.
const BASE = "/televersement/envois";
const MAX_TRIES = 30;
const MAX_DELAY_MS = 30_000;
const LOST =
  "La connexion au serveur est perdue. Rechargez la page puis choisissez les mêmes fichiers : " +
  "l'envoi reprendra où il s'est arrêté.";

// 56 Ko, 12,5 Mo, 1,75 Go
export function taille(bytes) {
  const [value, unit, digits] =
    bytes >= 1024 ** 3 ? [bytes / 1024 ** 3, "Go", 2] : bytes >= 1024 ** 2 ? [bytes / 1024 ** 2, "Mo", 1] : [bytes / 1024, "Ko", 0];
  return `${value.toLocaleString("fr-FR", { minimumFractionDigits: digits, maximumFractionDigits: digits })}\u00a0${unit}`;
}

export const supported = () => typeof fetch === "function" && typeof Blob !== "undefined" && "slice" in Blob.prototype;

// Delay before the n-th retry (1 s, 2 s, 4 s… at most 30 s).
export const backoff = (n) => Math.min(MAX_DELAY_MS, 1000 * 2 ** Math.max(0, n - 1));

class Failure extends Error {}

function progressPanel(form, files) {
  document.getElementById("envoi-progression")?.remove();
  const panel = document.createElement("div");
  panel.id = "envoi-progression";
  panel.className = "envoi-progression fr-mt-3w";
  const title = document.createElement("h3");
  title.className = "fr-h6 fr-mb-1w";
  title.textContent = "Envoi des fichiers";
  const status = document.createElement("p");
  status.id = "envoi-statut";
  status.className = "fr-text--sm fr-mb-1w";
  status.setAttribute("role", "status");
  status.textContent = "Préparation de l'envoi…";
  panel.append(title, status);
  const bars = {};
  for (const { champ, file } of files) {
    const label = document.createElement("label");
    label.className = "fr-label";
    label.htmlFor = `envoi-barre-${champ}`;
    const bar = document.createElement("progress");
    bar.id = `envoi-barre-${champ}`;
    bar.max = file.size;
    bar.value = 0;
    panel.append(label, bar);
    bars[champ] = { label, bar, file };
  }
  form.querySelector("button[type=submit]").insertAdjacentElement("afterend", panel);
  const ui = {
    status: (text) => {
      status.textContent = text;
    },
    show(champ, done) {
      const { label, bar, file } = bars[champ];
      bar.value = done;
      const pct = file.size ? Math.floor((100 * done) / file.size) : 100;
      label.textContent = `« ${file.name} » : ${taille(done)} sur ${taille(file.size)} (${pct}\u00a0%)`;
    },
  };
  for (const { champ } of files) ui.show(champ, 0);
  return ui;
}

function showError(form, message) {
  document.getElementById("envoi-erreur")?.remove();
  const alert = document.createElement("div");
  alert.id = "envoi-erreur";
  alert.className = "fr-alert fr-alert--error fr-mt-3w";
  alert.setAttribute("role", "alert");
  const title = document.createElement("h3");
  title.className = "fr-alert__title";
  title.textContent = "Le chargement n'a pas pu se faire";
  const text = document.createElement("p");
  text.textContent = message;
  alert.append(title, text);
  form.querySelector("button[type=submit]").insertAdjacentElement("afterend", alert);
  alert.focus?.();
}

async function message(response) {
  try {
    return (await response.json()).erreur.message;
  } catch {
    return `Le serveur a répondu ${response.status}. Rechargez la page puis recommencez.`;
  }
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// fetch, retried on a network error or a 5xx with a growing delay (the panel says so).
async function patient(ui, url, options) {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(url, options);
      if (response.status < 500) return response;
    } catch {
      // the connection was cut: try again
    }
    if (attempt >= MAX_TRIES) throw new Failure(LOST);
    const delay = backoff(attempt);
    ui.status(`Connexion interrompue : reprise dans ${Math.round(delay / 1000)}\u00a0s (essai ${attempt + 1}).`);
    await pause(delay);
  }
}

const memoryKey = (files) =>
  "envoi:" + files.map(({ champ, file }) => `${champ}:${file.name}:${file.size}:${file.lastModified}`).join("|");

async function openSession(ui, files, body, headers) {
  const remembered = localStorage.getItem(memoryKey(files));
  if (remembered) {
    const response = await patient(ui, `${BASE}/${remembered}`, { headers });
    if (response.ok) {
      const session = await response.json();
      if (session.tache === null) return session;
    }
    localStorage.removeItem(memoryKey(files));
  }
  const response = await patient(ui, BASE, {
    method: "POST",
    headers: { ...headers, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Failure(await message(response));
  const session = await response.json();
  localStorage.setItem(memoryKey(files), session.id);
  return session;
}

// The chunk's sha256 in hex, checked by the server before it keeps the chunk (when the browser
// offers WebCrypto: https or localhost).
async function empreinte(blob) {
  if (!globalThis.crypto?.subtle) return null;
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function sendFile(ui, session, champ, file, headers) {
  const url = `${BASE}/${session.id}/${champ}`;
  let offset = session.fichiers.find((f) => f.champ === champ).recu;
  let failures = 0;
  ui.show(champ, offset);
  while (offset < file.size) {
    ui.status(`Envoi de « ${file.name} »…`);
    let response;
    try {
      const chunk = file.slice(offset, offset + session.morceau);
      const digest = await empreinte(chunk);
      response = await fetch(url, {
        method: "PUT",
        headers: {
          ...headers,
          "Upload-Offset": String(offset),
          "Content-Type": "application/octet-stream",
          ...(digest ? { "X-Empreinte-Morceau": digest } : {}),
        },
        body: chunk,
      });
    } catch {
      response = null;
    }
    if (response && response.ok) {
      offset = (await response.json()).recu;
      failures = 0;
    } else if (response && response.status === 409) {
      offset = (await response.json()).attendu; // the server says where it stands
    } else if (response && response.status < 500 && response.status !== 400) {
      throw new Failure(await message(response)); // expired, refused: nothing to retry
    } else {
      // cut or interrupted: after a pause, ask the server what it kept and resume there
      failures += 1;
      if (failures >= MAX_TRIES) throw new Failure(LOST);
      const delay = backoff(failures);
      ui.status(`Connexion interrompue : reprise dans ${Math.round(delay / 1000)}\u00a0s (essai ${failures + 1}).`);
      await pause(delay);
      const state = await patient(ui, `${BASE}/${session.id}`, { headers });
      if (!state.ok) throw new Failure(await message(state));
      offset = (await state.json()).fichiers.find((f) => f.champ === champ).recu;
    }
    ui.show(champ, offset);
  }
}

// « terminer » answers at once (202): the files are assembled and hashed in the background (a job
// of the workers). Ask the session every second until it names its import (its page then), saying
// how far the assembly is; its failure is shown in French. A 409 « assemblage-en-cours »: another
// request queued it, wait the same way.
const POLL_MS = 1000;

export function assemblageTexte(assemblage) {
  if (!assemblage || assemblage.statut === "en-attente") return "Fichiers reçus : assemblage en attente d'un traitement…";
  const pct = assemblage.total ? Math.floor((100 * assemblage.progression) / assemblage.total) : 0;
  return `Fichiers reçus : assemblage et vérification de l'empreinte (${pct}\u00a0%)…`;
}

async function finish(ui, session, headers) {
  const done = await patient(ui, `${BASE}/${session.id}/terminer`, { method: "POST", headers });
  const body = await done.json().catch(() => null);
  if (done.status === 200 && body?.lien) return body.lien;
  if (done.status !== 202 && body?.erreur?.code !== "assemblage-en-cours") {
    throw new Failure(body?.erreur?.message || `Le serveur a répondu ${done.status}. Rechargez la page puis recommencez.`);
  }
  const statut = done.headers.get("Location") || `${BASE}/${session.id}`;
  let state = body;
  for (;;) {
    if (state?.lien) return state.lien;
    if (state?.assemblage?.statut === "echec") throw new Failure(state.assemblage.erreur);
    ui.status(assemblageTexte(state?.assemblage));
    await pause(POLL_MS);
    const answer = await patient(ui, statut, { headers });
    if (!answer.ok) throw new Failure(await message(answer));
    state = await answer.json();
  }
}

export async function envoyerParMorceaux(form) {
  const token = form.querySelector("[name=csrf_token]").value;
  const headers = { "X-CSRF-Token": token };
  const files = ["ae", "cp"]
    .map((champ) => ({ champ, file: form.querySelector(`[name=fichier_${champ}]`)?.files[0] }))
    .filter(({ file }) => file);
  const region = form.querySelector("[name=region]");
  const body = {
    annee: form.querySelector("[name=annee]").value,
    region: region ? region.value : "",
    garder_valides: form.querySelector("[name=garder_valides]").checked ? "oui" : "",
    fichiers: files.map(({ champ, file }) => ({ champ, nom: file.name, taille: file.size })),
  };
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  document.getElementById("envoi-erreur")?.remove();
  const ui = progressPanel(form, files);
  try {
    const session = await openSession(ui, files, body, headers);
    for (const { champ, file } of files) await sendFile(ui, session, champ, file, headers);
    ui.status(assemblageTexte(null));
    const lien = await finish(ui, session, headers);
    localStorage.removeItem(memoryKey(files));
    window.location.assign(lien);
  } catch (error) {
    document.getElementById("envoi-progression")?.remove();
    showError(form, error instanceof Failure ? error.message : "Erreur inattendue pendant l'envoi : rechargez la page puis recommencez.");
    button.disabled = false;
  }
}
