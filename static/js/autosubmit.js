// A <select data-autosubmit> sends its form as soon as a choice is made (language,
// school year, semester): no inline handler, which the Content-Security-Policy forbids.
document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
  select.addEventListener("change", () => select.form.submit());
});
