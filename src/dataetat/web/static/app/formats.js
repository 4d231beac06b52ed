// French formats of amounts, counts and shares for the pages' scripts (fr-FR), each for one purpose;
// the server's twin is model/format_fr.py.
const EUR = { style: "currency", currency: "EUR" };

// An exact amount, with its cents (1 234 567,80 €): tables, tooltips, descriptions.
export const euros = new Intl.NumberFormat("fr-FR", { ...EUR, minimumFractionDigits: 2, maximumFractionDigits: 2 });
// A rounded amount (1 234 568 €): key figures, map legends and tooltips.
export const eurosArrondis = new Intl.NumberFormat("fr-FR", { ...EUR, maximumFractionDigits: 0 });
// A compact amount (1,2 M€): chart axes.
export const eurosCompacts = new Intl.NumberFormat("fr-FR", { ...EUR, notation: "compact", maximumFractionDigits: 1 });
// A count (12 345).
export const nombre = new Intl.NumberFormat("fr-FR");
// A share (0.123 → 12,3 %).
export const pourcent = new Intl.NumberFormat("fr-FR", { style: "percent", maximumFractionDigits: 1 });
