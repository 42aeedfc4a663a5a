// The daily report: per grid and per inspector, a CSV of each, and the day's passes per hour.

import { getJSON, HttpError, query } from './api.js';
import { clear, duration, el, hourOf, isoDate } from './dom.js';
import { t } from './i18n.js';

// CSV columns: every figure, raw numbers, one unit each.
const GRID_COLS = [
  ['col.grid', (r) => r.grid], ['col.name', (r) => r.name],
  ['col.roads', (r) => r.roads], ['col.passes', (r) => r.passes],
  ['col.required', (r) => r.required], ['col.done_n', (r) => r.done],
  ['col.coverage', (r) => r.coverage_pct], ['col.ok', (r) => r.ok],
  ['col.behind', (r) => r.behind], ['col.missed', (r) => r.missed],
  ['col.pending', (r) => r.pending], ['col.alerts', (r) => r.alerts],
];
const INSPECTOR_COLS = [
  ['col.inspector', (r) => r.device], ['col.grids', (r) => (r.grids || []).join(' ')],
  ['col.passes', (r) => r.passes], ['col.suspect', (r) => r.suspect_passes],
  ['col.distance', (r) => (r.distance_m / 1000).toFixed(3)],
  ['col.duty_h', (r) => (r.on_duty_s / 3600).toFixed(2)],
  ['col.roads_visited', (r) => r.roads_visited], ['col.road_coverage', (r) => r.road_coverage_pct],
  ['col.alerts', (r) => r.alerts],
];

function pct(value) {
  const cls = value >= 100 ? 'good' : value >= 60 ? 'fair' : 'poor';
  return el('span', { class: cls, text: `${value}` });
}

// On screen: fewer, wider columns that read at a distance.
const GRID_VIEW = [
  ['col.grid', (r, name) => name(r)],
  ['col.done', (r) => `${r.done} / ${r.required}`, 'num'],
  ['col.passes', (r) => r.passes, 'num'],
  ['col.coverage', (r) => pct(r.coverage_pct), 'num'],
  ['col.statuses', (r) => el('span', { class: 'mix' },
    ...['ok', 'behind', 'missed', 'pending'].map((k) => el('b', { class: `status-${k}`, text: r[k] })))],
  ['col.alerts', (r) => r.alerts, 'num'],
];
const INSPECTOR_VIEW = [
  ['col.inspector', (r) => r.device],
  ['col.passes', (r) => (r.suspect_passes ? `${r.passes} (+${r.suspect_passes}?)` : r.passes), 'num'],
  ['col.distance', (r) => (r.distance_m / 1000).toFixed(2), 'num'],
  ['col.duty', (r) => duration(r.on_duty_s), 'num'],
  ['col.road_coverage', (r) => pct(r.road_coverage_pct), 'num'],
  ['col.alerts', (r) => r.alerts, 'num'],
];

// A cell for a spreadsheet: quoted, and text that a spreadsheet would run as a formula
// (=, +, -, @ first) is prefixed with an apostrophe. Numbers pass as they are.
export function csvCell(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\r\n']/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export class Reports {
  // ctx: {roadsOfGrid: Map(grid -> Set(road)), roadRequired(road), alertsOf(grid, date),
  //       livePasses, settings}
  constructor(ctx) {
    this.ctx = ctx;
    this.data = null;
    this.passes = null;
    this.partial = false;
    this.dateInput = document.getElementById('r-date');
    this.dateInput.addEventListener('change', () => this.load(this.dateInput.value));
    document.getElementById('r-refresh').addEventListener('click', () => this.load(this.dateInput.value));
    document.getElementById('csv-grids').addEventListener('click', () => this.download('grids'));
    document.getElementById('csv-inspectors').addEventListener('click', () => this.download('inspectors'));
  }

  async load(date) {
    const data = await getJSON(`/api/v1/reports/daily${query({ date: date || null })}`);
    this.data = data;
    this.dateInput.value = data.date;
    try {
      this.passes = await getJSON(`/api/v1/passes${query({ date: data.date })}`);
      this.partial = false;
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      // An older server without the pass list: chart what this page has seen live.
      this.passes = this.ctx.livePasses.filter((p) => isoDate(p.ts) === data.date);
      this.partial = true;
    }
    this.render();
    return data;
  }

  gridRows() {
    const date = this.data.date;
    return (this.data.grids || []).map((g) => ({ ...g, alerts: this.ctx.alertsOf(g.grid, date) }));
  }

  inspectorRows() {
    return (this.data.inspectors || []).map((r) => {
      const mine = new Set();
      for (const g of r.grids || []) for (const road of this.ctx.roadsOfGrid.get(g) || []) mine.add(road);
      const visited = (r.roads || []).filter((road) => mine.has(road)).length;
      return { ...r, roads_visited: (r.roads || []).length,
        road_coverage_pct: mine.size ? Math.round(1000 * visited / mine.size) / 10 : 0 };
    });
  }

  render() {
    if (!this.data) return;
    const name = (r) => r.name || r.grid || '–';
    this.table(document.getElementById('t-grids'), GRID_VIEW, this.gridRows(), name);
    this.table(document.getElementById('t-inspectors'), INSPECTOR_VIEW, this.inspectorRows(), name);
    this.chart();
  }

  table(node, cols, rows, name) {
    const head = el('tr', {}, ...cols.map(([key, , cls]) => el('th', { class: cls, text: t(key) })));
    const body = rows.map((r) => el('tr', {}, ...cols.map(([, get, cls]) => {
      const value = get(r, name);
      return el('td', { class: cls }, value instanceof Node ? value : String(value ?? '–'));
    })));
    clear(node).append(el('thead', {}, head), el('tbody', {}, ...body));
  }

  csv(kind) {
    const [cols, rows] = kind === 'grids' ? [GRID_COLS, this.gridRows()] : [INSPECTOR_COLS, this.inspectorRows()];
    const lines = [cols.map(([key]) => csvCell(t(key))).join(',')];
    for (const r of rows) lines.push(cols.map(([, get]) => csvCell(get(r))).join(','));
    return `${lines.join('\r\n')}\r\n`;
  }

  download(kind) {
    if (!this.data) return;
    // The BOM makes spreadsheet programs read the Chinese headers as UTF-8.
    const blob = new Blob(['\ufeff', this.csv(kind)], { type: 'text/csv;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const a = el('a', { href: url, download: `gridwatch-${kind}-${this.data.date}.csv` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  // Bars: passes completed in each hour of the patrol window. Line: passes done so far against
  // the pro-rata target (dashed), the same schedule the "behind" status uses.
  chart() {
    const canvas = document.getElementById('r-chart');
    const note = document.getElementById('r-chart-note');
    note.textContent = this.partial ? t('reports.chart_partial') : '';
    const { settings } = this.ctx;
    const first = Math.floor((settings.window_start_min ?? 450) / 60);
    const last = Math.ceil((settings.window_end_min ?? 1110) / 60) - 1;
    const hours = [];
    for (let h = first; h <= last; h++) hours.push(h);
    const counts = new Map(hours.map((h) => [h, 0]));
    for (const p of this.passes || []) {
      if (p.suspect) continue;
      const h = hourOf(p.ts);
      if (counts.has(h)) counts.set(h, counts.get(h) + 1);
    }
    const required = (this.data.grids || []).reduce((s, g) => s + (g.required || 0), 0);
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth || 560; const h = canvas.clientHeight || 180;
    canvas.width = w * dpr; canvas.height = h * dpr;
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const pad = { l: 34, r: 40, t: 10, b: 22 };
    const iw = w - pad.l - pad.r; const ih = h - pad.t - pad.b;
    const maxBar = Math.max(1, ...counts.values());
    const bw = iw / hours.length;
    ctx.font = '11px system-ui, sans-serif'; ctx.fillStyle = '#94a3b8'; ctx.textAlign = 'center';
    // The line counts a pass only while its road still needs one, like coverage_pct does.
    const counted = new Map(hours.map((h) => [h, 0]));
    const perRoad = new Map();
    for (const p of (this.passes || []).slice().sort((a, b) => a.ts - b.ts)) {
      const h = hourOf(p.ts);
      const need = this.ctx.roadRequired(p.road);
      const done = perRoad.get(p.road) || 0;
      if (p.suspect || !counted.has(h) || done >= need) continue;
      perRoad.set(p.road, done + 1);
      counted.set(h, counted.get(h) + 1);
    }
    let cum = 0; const line = [];
    hours.forEach((hour, k) => {
      const n = counts.get(hour);
      const bh = ih * n / maxBar;
      ctx.fillStyle = '#38bdf8';
      ctx.fillRect(pad.l + k * bw + 2, pad.t + ih - bh, bw - 4, bh);
      ctx.fillStyle = '#94a3b8';
      ctx.fillText(String(hour), pad.l + k * bw + bw / 2, h - 6);
      cum += counted.get(hour);
      line.push([pad.l + (k + 1) * bw, cum]);
    });
    ctx.textAlign = 'right';
    ctx.fillText(String(maxBar), pad.l - 4, pad.t + 8);
    ctx.fillText('0', pad.l - 4, pad.t + ih);
    if (required > 0) {
      const y = (v) => pad.t + ih - ih * Math.min(1, v / required);
      ctx.setLineDash([5, 4]); ctx.strokeStyle = '#64748b'; ctx.lineWidth = 1.5;
      ctx.beginPath(); ctx.moveTo(pad.l, y(0)); ctx.lineTo(pad.l + iw, y(required)); ctx.stroke();
      ctx.setLineDash([]); ctx.strokeStyle = '#22c55e'; ctx.lineWidth = 2.5;
      ctx.beginPath(); ctx.moveTo(pad.l, y(0));
      for (const [x, v] of line) ctx.lineTo(x, y(v));
      ctx.stroke();
      ctx.textAlign = 'left'; ctx.fillStyle = '#22c55e';
      ctx.fillText(`${Math.round(100 * Math.min(cum, required) / required)}%`, pad.l + iw + 4, y(cum) + 4);
    }
  }
}
