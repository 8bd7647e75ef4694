// The report form: leaving the page with typed text not yet saved asks first.
(function () {
  const form = document.getElementById("report-form");
  if (!form) return;
  let unsaved = false;
  form.addEventListener("input", () => { unsaved = true; });
  form.addEventListener("submit", () => { unsaved = false; });
  window.addEventListener("beforeunload", (event) => {
    if (!unsaved) return;
    event.preventDefault();
    event.returnValue = "";
  });
})();
