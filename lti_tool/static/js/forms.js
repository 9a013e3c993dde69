/* Live character counters for text fields with a limit (templates/_forms.html).
 * Without JavaScript the field still says its limit; the server refuses a longer text with a
 * message naming the limit. Characters are counted as the server counts them: code points,
 * a line break as the two characters the browser sends. Screen readers hear the count only
 * when the text comes near the limit or goes over it. */
(function () {
  "use strict";
  function length(text) {
    return Array.from(text.replace(/\r?\n/g, "\r\n")).length;
  }
  function setUp(counter) {
    var field = document.getElementById(counter.getAttribute("data-counter-for"));
    var live = document.getElementById(field.id + "-live");
    var limit = parseInt(field.getAttribute("data-limit"), 10);
    var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);
    var state = "ok";
    function update() {
      var count = length(field.value);
      var now = count > limit ? "over" : count >= limit * 0.9 ? "near" : "ok";
      counter.textContent = counter.getAttribute("data-template").replace("{count}", numbers.format(count));
      counter.classList.toggle("over", now === "over");
      if (now !== state) {
        live.textContent = now === "over" ? counter.getAttribute("data-over") : now === "near" ? counter.textContent : "";
        state = now;
      }
    }
    counter.hidden = false;
    field.setAttribute("aria-describedby", ((field.getAttribute("aria-describedby") || "") + " " + counter.id).trim());
    field.addEventListener("input", update);
    update();
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-counter-for]"), setUp);
})();
