// Import progress: while the worker checks or imports, poll the job's status and
// show its progress; when it has finished, show the page again with the result.
(function () {
  const box = document.getElementById("import");
  if (!box || !box.dataset.running) return;
  const bar = document.getElementById("import-bar");
  const stage = document.getElementById("import-stage");
  const status = document.getElementById("import-status");
  const poll = () => {
    fetch(box.dataset.statusUrl, { credentials: "same-origin" })
      .then((r) => r.json())
      .then((s) => {
        bar.style.width = `${s.progress}%`;
        bar.textContent = `${s.progress}%`;
        bar.parentElement.setAttribute("aria-valuenow", s.progress);
        stage.textContent = s.stage || "";
        status.textContent = s.status_display;
        if (["checking", "applying", "pending", "running"].includes(s.status)) {
          setTimeout(poll, 1000);
        } else {
          window.location.reload();
        }
      })
      .catch(() => setTimeout(poll, 3000));
  };
  setTimeout(poll, 500);
})();
