// Searchable selects: any <select data-autocomplete-url> asks the server as you type.
function makeSearchable(select) {
  const url = select.dataset.autocompleteUrl;
  new TomSelect(select, {
    valueField: "id",
    labelField: "text",
    searchField: "text",
    maxOptions: 50,
    loadThrottle: 250,
    load(query, callback) {
      fetch(`${url}?q=${encodeURIComponent(query)}`, { credentials: "same-origin" })
        .then((response) => response.json())
        .then((data) => callback(data.results))
        .catch(() => callback());
    },
  });
}
// (Rows inside a <template> are not in the document, so they are skipped here.)
document.querySelectorAll("select[data-autocomplete-url]").forEach(makeSearchable);

// Membership forms: show the region for bureau staff and inspectors, the school for
// school staff, neither for administrators.
document.querySelectorAll("select[name=role]").forEach((role) => {
  const form = role.form;
  const wrapper = (name) => form.querySelector(`[name=${name}]`)?.closest(".mb-3");
  const update = () => {
    const value = role.value;
    const region = wrapper("region");
    const school = wrapper("school");
    const manages = wrapper("can_manage_users");
    if (region) region.hidden = !["bureau", "inspector"].includes(value);
    if (school) school.hidden = value !== "school";
    if (manages) manages.hidden = value !== "bureau";
  };
  role.addEventListener("change", update);
  update();
});

// Inline formsets: "add a row" clones the empty form and bumps TOTAL_FORMS.
document.querySelectorAll("button.add-row").forEach((button) => {
  button.addEventListener("click", () => {
    const prefix = button.dataset.prefix;
    const table = document.querySelector(`table.formset[data-prefix="${prefix}"]`);
    const total = document.getElementById(`id_${prefix}-TOTAL_FORMS`);
    const index = parseInt(total.value, 10);
    const html = table.querySelector("template").innerHTML.replace(/__prefix__/g, index);
    table.querySelector("tbody").insertAdjacentHTML("beforeend", html);
    total.value = index + 1;
    table.querySelectorAll("tbody tr:last-child select[data-autocomplete-url]").forEach(makeSearchable);
  });
});

// "Select all": a checkbox with data-check-all="<name>" ticks every checkbox of that
// name in its form (the review queue's bulk approval).
document.querySelectorAll("input[data-check-all]").forEach((all) => {
  all.addEventListener("change", () => {
    const boxes = all.form.querySelectorAll(`input[type=checkbox][name="${all.dataset.checkAll}"]`);
    boxes.forEach((box) => { box.checked = all.checked; });
  });
});
