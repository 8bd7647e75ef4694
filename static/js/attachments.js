// Report attachments added and removed in the background: the server answers with
// the attachments card alone, which replaces the one on the page, so a form on the
// page keeps what was typed and not yet saved. Without this script the forms post
// and the page reloads (the report form says to save first).
(function () {
  document.querySelectorAll("[data-with-script]").forEach((el) => { el.hidden = false; });

  document.addEventListener("submit", (event) => {
    const form = event.target;
    const card = form.closest("#attachments");
    if (!card) return;
    event.preventDefault();
    if (form.dataset.sending) return;
    form.dataset.sending = "1";
    const buttons = form.querySelectorAll("button");
    const status = card.querySelector("[data-attachments-status]");
    const say = (text, level) => {
      const alert = document.createElement("div");
      alert.className = `alert alert-${level} py-2 mb-2`;
      alert.textContent = text;
      status.replaceChildren(alert);
    };
    buttons.forEach((button) => { button.disabled = true; });
    say(form.dataset.busyText, "secondary");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest" },
    })
      .then((response) => response.text())
      .then((html) => {
        const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("attachments");
        if (!fresh) throw new Error("no attachments card in the answer");
        card.replaceWith(fresh);
      })
      .catch(() => {
        say(card.dataset.failedText, "danger");
        buttons.forEach((button) => { button.disabled = false; });
        delete form.dataset.sending;
      });
  });
})();
