// Drill-downs for a road (its passes over the day) and an inspector (state, today's figures,
// replay). Cameras live in camera.js. Everything from the server goes in as text.

import { getJSON, HttpError, query } from './api.js';
import { duration, el, hms, hm } from './dom.js';
import { label, t } from './i18n.js';
import { ROAD_COLORS } from './map.js';
import { STATE_COLORS } from './markers.js';

function field(name, value, cls) {
  return el('div', { class: 'field' }, el('span', { class: 'k', text: name }),
    el('span', { class: `v ${cls || ''}`, text: value ?? '–' }));
}

// A day strip from the patrol window's opening to its closing, one tick per pass.
function timeline(passes, dayStart, settings) {
  const start = dayStart + (settings.window_start_min ?? 450) * 60;
  const end = dayStart + (settings.window_end_min ?? 1110) * 60;
  const strip = el('div', { class: 'timeline' });
  for (const p of passes) {
    const x = Math.max(0, Math.min(1, (p.ts - start) / (end - start)));
    strip.append(el('i', { class: p.suspect ? 'tick suspect' : 'tick', title: `${hms(p.ts)} ${p.device}`,
      style: { left: `${(100 * x).toFixed(2)}%` } }));
  }
  return el('div', {}, strip, el('div', { class: 'timeline-axis' },
    el('span', { text: hm(start) }), el('span', { text: hm(end) })));
}

export async function roadView(box, road, ctx) {
  const p = road.props;
  const pct = road.required ? Math.min(100, (100 * road.passes) / road.required) : 100;
  const list = el('ol', { class: 'passes' });
  const strip = el('div');
  box.replaceChildren(
    el('h2', {}, el('span', { class: 'kind', text: t('detail.road') }), el('span', { text: p.name || p.id })),
    el('div', { class: 'progress' },
      el('div', { class: 'big', style: { color: ROAD_COLORS[road.status] } },
        `${road.passes} / ${road.required}`),
      el('div', { class: 'bar' }, el('i', { style: { width: `${pct}%`, background: ROAD_COLORS[road.status] } })),
      el('div', { class: `status status-${road.status}`, text: label('status', road.status) })),
    field(t('detail.class'), label('class', p.class)),
    field(t('col.grid'), p.grid ? ctx.gridName(p.grid) : '–'),
    field(t('detail.length'), p.length_m != null ? `${Math.round(p.length_m)} m` : '–'),
    field(t('detail.last_pass'), road.last_pass_ts ? hms(road.last_pass_ts) : '–'),
    el('button', { type: 'button', class: 'btn small', text: t('detail.fly'), onclick: () => ctx.flyToRoad(p.id) }),
    el('h3', { text: t('detail.passes_day') }), strip, list);
  let passes;
  try {
    const path = `/api/v1/roads/${encodeURIComponent(p.id)}/passes`;
    passes = await getJSON(path + query({ date: ctx.date() }));
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    passes = ctx.livePasses.filter((x) => x.road === p.id);
  }
  strip.append(timeline(passes, ctx.dayStart(), ctx.settings));
  if (!passes.length) list.append(el('li', { class: 'muted', text: t('detail.no_passes') }));
  for (const x of passes.slice().reverse()) {
    list.append(el('li', {}, el('time', { text: hms(x.ts) }), ' ',
      el('a', { href: '#', text: x.device, onclick: (e) => { e.preventDefault(); ctx.openDevice(x.device); } }),
      x.suspect ? el('span', { class: 'tag warn', text: t('detail.suspect') }) : null));
  }
}

export function inspectorView(box, device, info, row, ctx) {
  const state = info ? info.state : null;
  const figures = row ? [
    field(t('col.passes'), String(row.passes)),
    field(t('col.distance'), (row.distance_m / 1000).toFixed(2)),
    field(t('col.duty'), duration(row.on_duty_s)),
    field(t('col.alerts'), String(row.alerts)),
  ] : [];
  box.replaceChildren(
    el('h2', {}, el('span', { class: 'kind', text: t('detail.inspector') }), el('span', { text: device })),
    info ? el('div', { class: 'state-badge', style: { background: STATE_COLORS[state] || '#cbd5e1' },
      text: label('state', state) }) : el('p', { class: 'muted', text: t('detail.not_seen') }),
    field(t('col.grid'), info && info.grid ? ctx.gridName(info.grid) : '–'),
    field(t('detail.on_road'), info && info.road ? ctx.roadName(info.road) : '–'),
    field(t('detail.last_fix'), info ? hms(info.ts) : '–'),
    field(t('detail.speed'), info && info.speed != null ? `${(info.speed * 3.6).toFixed(1)} km/h` : '–'),
    el('h3', { text: t('detail.today') }), ...figures,
    el('div', { class: 'row' },
      info ? el('button', { type: 'button', class: 'btn small', text: t('detail.fly'),
        onclick: () => ctx.flyToDevice(device) }) : null,
      el('button', { type: 'button', class: 'btn', id: 'replay-open', text: t('detail.replay'),
        onclick: () => ctx.replay(device) })));
}
