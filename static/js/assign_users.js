// Assign Users: post only the fields the admin changed, so a page of rows never nears
// Django's field limit (the server fills in the rest from the person).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches("[data-only-changed]")) return;
  const selected = new Set(
    [...form.querySelectorAll('input[name="selected"]:checked')].map((box) => box.value)
  );
  for (const input of form.querySelectorAll("input[data-initial]")) {
    const row = input.name.split("-").slice(1).join("-");
    if (!selected.has(row) || input.value === input.dataset.initial) input.disabled = true;
  }
  for (const input of form.querySelectorAll('input[name^="username-"], input[name^="action-"]')) {
    const row = input.name.split("-").slice(1).join("-");
    if (!selected.has(row)) input.disabled = true;
  }
});
