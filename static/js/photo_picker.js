// The work log's photos button (dispatch.teacher.forms.MultiplePhotoInput): says
// how many photos are chosen, in the page's words, and nothing once the form is
// cleared (saved, or kept offline).
(function () {
  "use strict";

  document.querySelectorAll(".photo-picker").forEach(function (picker) {
    var input = picker.querySelector("input[type=file]");
    var chosen = picker.querySelector("[data-photo-chosen]");
    var text = picker.getAttribute("data-chosen-text");
    function update() {
      var count = input.files ? input.files.length : 0;
      chosen.textContent = count ? text.replace("{count}", count) : "";
    }
    input.addEventListener("change", update);
    if (input.form) {
      // The reset event comes before the fields are cleared.
      input.form.addEventListener("reset", function () { setTimeout(update, 0); });
    }
    update();
  });
})();
