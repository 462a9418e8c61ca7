// Progressive enhancement only: every page works without it.
// Buttons marked data-print open the browser's print dialog (a plain link to the printable page otherwise).
document.addEventListener("click", function (event) {
  var target = event.target.closest("[data-print]");
  if (target) { event.preventDefault(); window.print(); }
});
