// The report button of the resolver page: a shopper tells the product's
// brand that this item looks fake, or was sold before though bought new
// (POST /v1/reports). The code reported is the page's own address, the
// Digital Link the shopper scanned. The form is hidden until this script
// runs, since it cannot work without it.
"use strict";
(function () {
  var form = document.getElementById("report");
  var status = document.getElementById("report-status");
  if (!form || !status) {
    return;
  }
  form.hidden = false;
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    status.textContent = form.dataset.sending;
    var body = {
      code: location.origin + location.pathname + location.search,
      reason: form.dataset.reason,
    };
    var note = form.elements.message.value.trim();
    if (note) {
      body.message = note;
    }
    fetch("/v1/reports", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body),
    }).then(function (resp) {
      if (resp.ok) {
        form.hidden = true;
        status.textContent = form.dataset.thanks;
        status.className = "report-status done";
        return;
      }
      status.textContent = resp.status === 429 ? form.dataset.limited : form.dataset.failed;
      status.className = "report-status failed";
      button.disabled = false;
    }, function () {
      status.textContent = form.dataset.failed;
      status.className = "report-status failed";
      button.disabled = false;
    });
  });
})();
