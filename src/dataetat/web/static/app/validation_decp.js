// Page « Valider un fichier de commande publique »: filter the findings table by level and field,
// download the report (CSV: one row per finding; JSON: the API's report) — built in the browser
// from the report embedded in the page (the file is not kept on the server).
const donnees = document.getElementById("rapport-donnees");
const outils = document.getElementById("rapport-outils");

if (donnees && outils) {
  const rapport = JSON.parse(donnees.textContent);
  const niveau = document.getElementById("filtre-niveau");
  const champ = document.getElementById("filtre-champ");
  const compte = document.getElementById("rapport-compte");
  const lignes = [...document.querySelectorAll("#constats tbody tr")];
  outils.hidden = false;

  const filtrer = () => {
    let vus = 0;
    for (const tr of lignes) {
      const montre = (!niveau.value || tr.dataset.niveau === niveau.value) && (!champ.value || tr.dataset.champ === champ.value);
      tr.hidden = !montre;
      if (montre) vus += 1;
    }
    compte.textContent = `${vus.toLocaleString("fr-FR")} constat(s) sur ${lignes.length.toLocaleString("fr-FR")}.`;
  };
  niveau.addEventListener("change", filtrer);
  champ.addEventListener("change", filtrer);

  const base = (rapport.fichier || "rapport").replace(/\.[^.]+$/, "");
  const telecharger = (contenu, type, extension) => {
    const url = URL.createObjectURL(new Blob([contenu], { type }));
    const a = document.createElement("a");
    a.href = url;
    a.download = `validation-${base}.${extension}`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  const cellule = (v) => {
    const texte = v === null || v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
    return /[";\n\r]/.test(texte) ? `"${texte.replaceAll('"', '""')}"` : texte;
  };
  const csv = () => {
    const rows = [["niveau", "type", "index", "id", "chemin", "champ", "code", "message", "valeur"]];
    const ajouter = (n, type, index, id, c) => rows.push([n, type, index, id, c.chemin, c.champ, c.code, c.message, c.valeur]);
    for (const c of rapport.erreurs_fichier) ajouter("erreur", "fichier", "", "", c);
    for (const c of rapport.avertissements_fichier) ajouter("avertissement", "fichier", "", "", c);
    for (const r of rapport.enregistrements) {
      for (const c of r.erreurs) ajouter("erreur", r.type, r.index, r.id, c);
      for (const c of r.avertissements) ajouter("avertissement", r.type, r.index, r.id, c);
    }
    // Semicolons and a BOM: the file opens in French spreadsheets as columns.
    return "\ufeff" + rows.map((r) => r.map(cellule).join(";")).join("\r\n") + "\r\n";
  };
  document.getElementById("telecharger-csv").addEventListener("click", () => telecharger(csv(), "text/csv;charset=utf-8", "csv"));
  document
    .getElementById("telecharger-json")
    .addEventListener("click", () => telecharger(JSON.stringify(rapport, null, 1), "application/json", "json"));
}
