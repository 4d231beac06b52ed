// A form with data-confirmer="question" asks the question before it is sent (window.confirm):
// « OK » sends it with confirme=oui, « Annuler » keeps it unsent. Listening on the document in the
// capture phase runs before htmx or any handler of the form. A form sent before this script has
// loaded (or without JavaScript) lacks confirme=oui: the server answers a confirmation page and
// changes nothing (web/confirmation.py).
document.addEventListener(
  "submit",
  (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirmer) return;
    if (!window.confirm(form.dataset.confirmer)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    let champ = form.querySelector('input[name="confirme"]');
    if (!champ) {
      champ = document.createElement("input");
      champ.type = "hidden";
      champ.name = "confirme";
      form.append(champ);
    }
    champ.value = "oui";
  },
  true,
);
