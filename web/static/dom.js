// Building DOM without markup: every piece of text goes in through textContent, so a device
// named "<img src=x onerror=...>" is shown as those characters and never parsed.

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = String(value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'style') Object.assign(node.style, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key in node && typeof value !== 'string') node[key] = value;
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

let zone = 'Asia/Shanghai';
const formats = new Map();

export function setTimeZone(tz) {
  zone = tz;
  formats.clear();
}

function format(kind) {
  let f = formats.get(kind);
  if (!f) {
    const opts = { timeZone: zone, hour12: false };
    if (kind === 'time') Object.assign(opts, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    if (kind === 'hm') Object.assign(opts, { hour: '2-digit', minute: '2-digit' });
    if (kind === 'date') Object.assign(opts, { year: 'numeric', month: '2-digit', day: '2-digit' });
    if (kind === 'hour') Object.assign(opts, { hour: '2-digit', hourCycle: 'h23' });
    f = new Intl.DateTimeFormat('en-CA', opts);
    formats.set(kind, f);
  }
  return f;
}

// Epoch seconds shown in the city's own time zone, whatever the browser's zone is.
export function hms(ts) { return ts == null ? '–' : format('time').format(new Date(ts * 1000)); }
export function hm(ts) { return ts == null ? '–' : format('hm').format(new Date(ts * 1000)); }
export function isoDate(ts) { return format('date').format(new Date(ts * 1000)); }
export function hourOf(ts) { return Number(format('hour').format(new Date(ts * 1000))) % 24; }

export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds || 0));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}:${String(m).padStart(2, '0')}`;
}

// ok: a confirmation (green) rather than an error (red).
export function toast(message, ok = false) {
  const node = document.getElementById('toast');
  node.textContent = message;
  node.classList.toggle('ok', ok);
  node.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { node.hidden = true; }, 6000);
}
