// The upload form: « Lu dans le fichier » is refused by the server for a file whose header does not
// give its exercice (a regional INF-BUD-53 export without its « Exercice comptable » line, a
// national AE extract). Say so before sending, from the first lines of the chosen files; the
// chosen files stay chosen. Without JavaScript the server refuses with the same advice.
import { envoyerParMorceaux, supported } from "./envoi-reprenable.js";

const form = document.getElementById("televersement");
const MESSAGE_ID = "televersement-annee-erreur";

// Whether this file's header leaves the exercice unknown (then it must be chosen in the list).
export function exerciceManquant(text) {
  const lines = text.split(/\r?\n/).slice(0, 12);
  const first = lines[0] || "";
  if (first.includes("|")) return false; // daily national extracts: fiscal year or extraction date
  if (first.includes('";"')) return !/DP/i.test(first); // national AIFE: payments carry their year
  return !lines.some((line) => /Exercice comptable\s*"?\s*[,;]\s*"?\d{4}/i.test(line));
}

function showError(group, select, names) {
  let message = document.getElementById(MESSAGE_ID);
  if (!message) {
    message = document.createElement("p");
    message.id = MESSAGE_ID;
    message.className = "fr-error-text";
    select.insertAdjacentElement("afterend", message);
  }
  message.textContent =
    `${names.map((n) => `« ${n} »`).join(" et ")} : l'en-tête n'indique pas l'exercice ` +
    "(ligne « Exercice comptable »). Choisissez l'exercice dans la liste, puis envoyez de nouveau : " +
    "les fichiers restent choisis.";
  group.classList.add("fr-select-group--error");
  select.setAttribute("aria-invalid", "true");
  select.setAttribute("aria-describedby", MESSAGE_ID);
  select.focus();
}

function clearError(group, select) {
  document.getElementById(MESSAGE_ID)?.remove();
  group.classList.remove("fr-select-group--error");
  select.removeAttribute("aria-invalid");
  select.removeAttribute("aria-describedby");
}

if (form) {
  const select = form.querySelector("[name=annee]");
  const group = select.closest(".fr-select-group");
  select.addEventListener("change", () => clearError(group, select));
  // Then the files go in chunks that survive a cut connection (envoi-reprenable.js); a browser
  // without fetch sends the form whole.
  const send = () => (supported() ? envoyerParMorceaux(form) : form.submit());
  form.addEventListener("submit", (event) => {
    const files = [...form.querySelectorAll("input[type=file]")].map((i) => i.files[0]).filter(Boolean);
    if (!files.length) return; // the server says « choisissez au moins un fichier »
    event.preventDefault();
    if (select.value) return send();
    Promise.all(files.map((f) => f.slice(0, 65536).text().then((text) => [f.name, text]))).then((read) => {
      const missing = read.filter(([, text]) => exerciceManquant(text)).map(([name]) => name);
      if (missing.length) showError(group, select, missing);
      else send();
    });
  });
}
