// A form with data-confirmer="question" asks the question before it is sent (window.confirm);
// "Annuler" keeps it unsent. Without JavaScript the form is sent at once: the server still checks it.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.confirmer) return;
  if (!window.confirm(form.dataset.confirmer)) event.preventDefault();
});
