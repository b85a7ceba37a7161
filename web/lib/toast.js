// A passing message in the page's #toast element (errors stay longer). Shared by the demo page and the dashboard.
let timer;
export function toast(message, kind = 'info') {
  const t = document.getElementById('toast');
  t.textContent = message;
  t.dataset.kind = kind;
  t.hidden = false;
  clearTimeout(timer);
  timer = setTimeout(() => { t.hidden = true; }, kind === 'error' ? 7000 : 3500);
}
