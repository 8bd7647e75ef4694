// The statistics form previews a table (GET) or asks for the yearly workbook
// (POST): the CSRF token goes only with the POST, never into a preview's address.
document.querySelectorAll("form[data-get-and-post]").forEach((form) => {
  form.addEventListener("submit", (event) => {
    const button = event.submitter;
    const post = button && button.getAttribute("formmethod") === "post";
    form.querySelectorAll("[data-post-only]").forEach((input) => {
      input.disabled = !post;
    });
  });
});
