// Progressive enhancement only: every page works without it.
// Buttons marked data-print open the browser's print dialog (a plain link to the printable page otherwise).
document.addEventListener("click", function (event) {
  var target = event.target.closest("[data-print]");
  if (target) { event.preventDefault(); window.print(); }
});

// Session notes: a draft that was typed in is saved a moment after typing stops, and again as the
// page is left or hidden; the form takes the new version back, so its next save is not mistaken for a
// stale one. A conflict with another facilitator's newer version is refused by the server (409) and
// shown when the form is submitted or the page reloaded: never overwritten.
(function () {
  var forms = document.querySelectorAll("form[data-note-draft]");
  if (!forms.length || !window.fetch) { return; }
  var submitting = false;
  // getAttribute: the form's buttons are named "action", which shadows form.action.
  function autosaveUrl(form) { return form.getAttribute("action") + "?autosave=1"; }
  function save(form) {
    if (!form.dataset.dirty || submitting) { return; }
    delete form.dataset.dirty;
    fetch(autosaveUrl(form), {method: "POST", body: new FormData(form), keepalive: true, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (saved) {
        if (!saved) { return; }
        form.querySelector("input[name=note_id]").value = saved.note_id;
        form.querySelector("input[name=version]").value = saved.version;
      })
      .catch(function () { form.dataset.dirty = "1"; });
  }
  forms.forEach(function (form) {
    var timer = null;
    form.addEventListener("input", function () {
      form.dataset.dirty = "1";
      clearTimeout(timer);
      timer = setTimeout(function () { save(form); }, 1500);
    });
    form.addEventListener("submit", function () { submitting = true; });
  });
  function saveAll() { forms.forEach(save); }
  window.addEventListener("pagehide", saveAll);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { saveAll(); }
  });
})();
