// The segment editor's live count: a short pause after typing asks the server to count the filter as written and
// shows the member count or where the filter stops parsing. Without this script the Count button does the same.
const editor = document.querySelector("[data-segment-editor]");
if (editor) {
  const definition = editor.querySelector("textarea");
  const output = editor.querySelector("[data-live-count]");
  let timer;
  let asked = 0;
  definition.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const mine = ++asked;
      const response = await fetch("/segments/count?definition=" + encodeURIComponent(definition.value), { headers: { Accept: "application/json" } });
      if (mine !== asked) return; // a later edit has asked again: only its answer counts
      const body = await response.json();
      output.textContent = body.text;
      output.className = response.ok ? "notice" : "error";
      output.dataset.count = response.ok ? body.count : "";
    }, 300);
  });
}
