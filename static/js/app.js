// Searchable selects: any <select data-autocomplete-url> asks the server as you type.
document.querySelectorAll("select[data-autocomplete-url]").forEach((select) => {
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
});
