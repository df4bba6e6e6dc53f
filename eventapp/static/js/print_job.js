// Follows a badge batch made in the background until its PDF is ready: the bar, "120 of 336
// badges" and the status sentence (a polite live region) come from the job's JSON, in the
// page's language.
(function () {
  "use strict";
  var root = document.querySelector("[data-job-url]");
  if (!root || !window.fetch) return;
  var bar = document.getElementById("job-progress");
  var figures = root.querySelector("[data-job-figures]");
  var percent = root.querySelector("[data-job-percent]");
  var status = root.querySelector("[data-job-status]");
  var download = root.querySelector("[data-job-download]");
  var runNow = root.querySelector("[data-job-run-now]");
  var shown = status.textContent.trim();

  function update(job) {
    bar.max = job.total || 1;
    bar.value = job.done;
    bar.textContent = job.percent + " %";
    figures.firstChild.nodeValue = job.progress_text + " ";
    percent.textContent = "(" + job.percent + " %)";
    // Only a changed sentence is written, so screen readers announce each step once.
    if (job.status_text !== shown) { status.textContent = job.status_text; shown = job.status_text; }
    root.className = "print-job print-job-" + (job.interrupted ? "interrupted" : job.status);
    download.hidden = job.status !== "done";
    runNow.hidden = !job.offer_run_now;
    return job.status === "done" || job.status === "failed";
  }

  function poll() {
    fetch(root.getAttribute("data-job-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (job) { if (!job || !update(job)) setTimeout(poll, 1000); })
      .catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();
