// Multiple choice with search (ARIA 1.2 combobox + listbox): typed text → look-up API → options;
// a chosen option becomes a dismissible DSFR tag holding a hidden input of the form.
let counter = 0;

function chosenCodes(form, name) {
  return [...form.querySelectorAll(`input[type=hidden][name="${name}"]`)].map((i) => i.value);
}

function addChoice(box, code, label) {
  if (chosenCodes(box, box.dataset.name).includes(code)) return;
  const li = document.createElement("li");
  const tag = document.createElement("button");
  tag.type = "button";
  tag.className = "fr-tag fr-tag--sm fr-tag--dismiss";
  tag.dataset.code = code;
  tag.setAttribute("aria-label", `Retirer ${label}`);
  tag.textContent = label;
  const input = document.createElement("input");
  input.type = "hidden";
  input.name = box.dataset.name;
  input.value = code;
  li.append(tag, input);
  box.querySelector(".choix__choisis").append(li);
}

function setup(box) {
  const input = box.querySelector(".choix__saisie");
  const list = box.querySelector(".choix__liste");
  const form = box.closest("form");
  let options = [];
  let active = -1;
  let timer;

  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };
  const highlight = (index) => {
    const items = list.querySelectorAll("[role=option]");
    items.forEach((el, i) => el.setAttribute("aria-selected", i === index ? "true" : "false"));
    active = index;
    if (items[index]) {
      input.setAttribute("aria-activedescendant", items[index].id);
      items[index].scrollIntoView({ block: "nearest" });
    }
  };
  const choose = (index) => {
    const option = options[index];
    if (!option) return;
    addChoice(box, option.code, option.label);
    input.value = "";
    close();
    input.focus();
  };
  const search = async () => {
    const text = input.value.trim();
    if (text.length < Number(box.dataset.min || 1)) return close();
    const url = new URL(box.dataset.source, location.href);
    url.searchParams.set("q", text);
    url.searchParams.set("limite", "20");
    if (box.dataset.depends && form) {
      const codes = chosenCodes(form, box.dataset.depends);
      if (codes.length) url.searchParams.set("code_programme", codes.join(","));
    }
    const response = await fetch(url);
    options = response.ok ? await response.json() : [];
    list.replaceChildren(
      ...(options.length ? options : [{ code: "", label: "Aucun résultat" }]).map((o, i) => {
        const li = document.createElement("li");
        li.id = `${input.id}-option-${++counter}`;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.textContent = o.label;
        if (o.code) li.dataset.index = i;
        else li.setAttribute("aria-disabled", "true");
        return li;
      }),
    );
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    active = -1;
  };

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, 200);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (list.hidden) search();
      else highlight(Math.min(active + 1, options.length - 1));
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      highlight(Math.max(active - 1, 0));
    } else if (event.key === "Enter" && !list.hidden && active >= 0) {
      event.preventDefault(); // choose, don't submit the search
      choose(active);
    } else if (event.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
  list.addEventListener("mousedown", (event) => {
    const li = event.target.closest("[data-index]");
    if (li) {
      event.preventDefault();
      choose(Number(li.dataset.index));
    }
  });
  box.querySelector(".choix__choisis").addEventListener("click", (event) => {
    const tag = event.target.closest(".fr-tag--dismiss");
    if (tag) {
      tag.closest("li").remove();
      input.focus();
    }
  });
}

export function initChoix(root) {
  for (const box of root.querySelectorAll("[data-choix]")) {
    if (box.dataset.ready) continue;
    box.dataset.ready = "1";
    setup(box);
  }
  // The place look-up follows the chosen level; places of another level are dropped.
  for (const select of root.querySelectorAll("[data-niveau]")) {
    if (select.dataset.ready) continue;
    select.dataset.ready = "1";
    select.addEventListener("change", () => {
      const box = select.form.querySelector('[data-choix][data-name="code_geo"]');
      box.dataset.source = `/api/v1/referentiels/zones/${select.value || "departement"}`;
      box.querySelector(".choix__choisis").replaceChildren();
    });
  }
}
