// Export progress: poll the job's status until it is done or failed, no reload.
(function () {
  const box = document.getElementById("export");
  if (!box) return;
  const bar = document.getElementById("export-bar");
  const stage = document.getElementById("export-stage");
  const error = document.getElementById("export-error");
  const download = document.getElementById("export-download");
  const retry = document.getElementById("export-retry");
  const note = document.getElementById("export-note");
  const poll = () => {
    fetch(box.dataset.statusUrl, { credentials: "same-origin" })
      .then((r) => r.json())
      .then((s) => {
        bar.style.width = `${s.progress}%`;
        bar.textContent = `${s.progress}%`;
        bar.parentElement.setAttribute("aria-valuenow", s.progress);
        stage.textContent = s.status === "running" && s.stage
          ? `${s.status_display} · ${s.stage}` : s.status_display;
        error.textContent = s.error || "";
        note.textContent = s.note || "";
        // Every job that is not done, except one being built, offers 重试.
        retry.classList.toggle("d-none", !s.retry);
        if (s.status === "done") {
          bar.classList.remove("progress-bar-animated");
          download.classList.remove("d-none");
          box.dataset.finished = "done";
        } else if (s.status === "failed" || s.status === "expired") {
          bar.classList.add("bg-danger");
          box.dataset.finished = s.status;
        } else {
          setTimeout(poll, 1000);
        }
      })
      .catch(() => setTimeout(poll, 3000));
  };
  poll();
})();
