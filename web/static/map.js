// The city drawn from its own data: grids outlined and named, roads coloured by today's progress,
// cameras, and the inspectors' canvas on top. A tile layer is added only when the centre has a
// tile server (page-config tile_url); without one the map is the city's data on a dark ground.

import { el } from './dom.js';
import { label, t } from './i18n.js';
import { InspectorLayer, STATE_COLORS } from './markers.js';

export const ROAD_COLORS = { ok: '#22c55e', behind: '#f59e0b', missed: '#ef4444', pending: '#94a3b8' };
const GRID_COLORS = ['#60a5fa', '#a78bfa', '#34d399', '#f472b6', '#fbbf24', '#38bdf8', '#fb923c', '#c084fc'];

export class CityMap {
  constructor(node, { tileUrl, onRoad, onDevice, onCamera }) {
    const L = window.L;
    this.L = L;
    this.map = L.map(node, { preferCanvas: true, zoomControl: true, attributionControl: !!tileUrl,
      worldCopyJump: false, minZoom: 3, maxZoom: 20 });
    this.renderer = L.canvas({ padding: 0.3, tolerance: 6 });
    if (tileUrl) L.tileLayer(tileUrl, { maxZoom: 20, crossOrigin: false }).addTo(this.map);
    this.roads = new Map(); // id -> {layer, props, status, passes, required}
    this.grids = new Map();
    this.cameras = new Map();
    this.handlers = { onRoad, onDevice, onCamera };
    this.inspectors = new InspectorLayer(this.map);
    this.highlight = null;
    this.hover = el('div', { class: 'hover-card', hidden: true });
    node.append(this.hover);
    this.map.on('click', (e) => {
      const hit = this.inspectors.pick(e.containerPoint);
      if (hit) onDevice(hit.device, { fly: false });
    });
    this.map.on('mousemove', (e) => this.hoverAt(e.containerPoint));
    this.map.on('mouseout', () => { this.hover.hidden = true; });
    this.addLegend();
  }

  load(city) {
    const L = this.L;
    const bounds = L.latLngBounds([]);
    let gi = 0;
    for (const f of city.features || []) {
      const p = f.properties || {};
      if (p.kind !== 'grid' || !f.geometry) continue;
      const color = GRID_COLORS[gi++ % GRID_COLORS.length];
      const layer = L.geoJSON(f, { renderer: this.renderer, interactive: false,
        style: { color, weight: 2, opacity: 0.9, dashArray: '8 6', fillColor: color, fillOpacity: 0.05 } });
      layer.addTo(this.map);
      const center = layer.getBounds().getCenter();
      const tag = L.tooltip({ permanent: true, direction: 'center', className: 'grid-label', interactive: false })
        .setLatLng(center).setContent(el('span', { text: p.name || p.id }));
      tag.addTo(this.map);
      this.grids.set(String(p.id), { props: p, layer, center, color });
      bounds.extend(layer.getBounds());
    }
    for (const f of city.features || []) {
      const p = f.properties || {};
      if (p.kind !== 'road' || !f.geometry) continue;
      const main = p.class === 'main';
      const road = { props: p, status: 'pending', passes: 0, required: p.required, weight: main ? 5 : 3.5 };
      road.layer = L.geoJSON(f, { renderer: this.renderer,
        style: { color: ROAD_COLORS.pending, weight: road.weight, opacity: 0.95, lineCap: 'round' } });
      road.layer.on('click', (e) => {
        if (this.inspectors.pick(e.containerPoint)) return; // the map's click selects the inspector
        this.handlers.onRoad(p.id, { fly: false });
      });
      road.layer.bindTooltip(() => this.roadTip(road), { sticky: true, className: 'road-tip' });
      road.layer.addTo(this.map);
      this.roads.set(String(p.id), road);
      bounds.extend(road.layer.getBounds());
    }
    if (bounds.isValid()) {
      this.map.fitBounds(bounds, { padding: [20, 20] });
      this.cityBounds = bounds;
    } else {
      this.map.setView([31.23, 121.47], 13);
    }
  }

  // Cameras: at their own point when the server gives one, else at the middle of their road.
  placeCameras(cameras) {
    const L = this.L;
    for (const cam of cameras) {
      if (!cam || typeof cam.id !== 'string' || this.cameras.has(cam.id)) continue;
      let at = null;
      if (Number.isFinite(cam.lat) && Number.isFinite(cam.lon)) at = L.latLng(cam.lat, cam.lon);
      else if (cam.road && this.roads.has(cam.road)) at = this.roadMiddle(cam.road);
      if (!at) continue;
      const marker = L.circleMarker(at, { renderer: this.renderer, radius: 8, color: '#f8fafc',
        weight: 2, fillColor: '#2563eb', fillOpacity: 1 });
      marker.bindTooltip(el('span', { text: `📷 ${cam.name || cam.id}` }), { className: 'road-tip' });
      marker.on('click', () => this.handlers.onCamera(cam.id, { fly: false }));
      marker.addTo(this.map);
      this.cameras.set(cam.id, { cam, marker, at });
    }
  }

  flashCamera(id) {
    const c = this.cameras.get(id);
    if (!c) return;
    c.marker.setStyle({ fillColor: '#ef4444', radius: 12 });
    clearTimeout(c.timer);
    c.timer = setTimeout(() => c.marker.setStyle({ fillColor: '#2563eb', radius: 8 }), 4000);
  }

  // The point halfway along a road's drawn length (its first part, for a multi-part road).
  roadMiddle(id) {
    const parts = [];
    this.roads.get(id).layer.eachLayer((l) => {
      const ll = l.getLatLngs();
      parts.push(...(Array.isArray(ll[0]) ? ll : [ll]));
    });
    const line = parts[0] || [];
    if (line.length < 2) return line[0] || null;
    const steps = line.slice(1).map((p, i) => line[i].distanceTo(p));
    let left = steps.reduce((a, b) => a + b, 0) / 2;
    for (let i = 0; i < steps.length; i++) {
      if (left <= steps[i] && steps[i] > 0) {
        const k = left / steps[i];
        return this.L.latLng(line[i].lat + (line[i + 1].lat - line[i].lat) * k,
          line[i].lng + (line[i + 1].lng - line[i].lng) * k);
      }
      left -= steps[i];
    }
    return line[line.length - 1];
  }

  roadTip(road) {
    const p = road.props;
    return el('div', {},
      el('b', { text: p.name || p.id }),
      el('div', { text: `${label('status', road.status)} · ${road.passes}/${road.required}` }));
  }

  setRoad(id, { status, passes, required }) {
    const road = this.roads.get(String(id));
    if (!road) return;
    const before = road.seen ? road.passes : Infinity; // no swelling on the first load
    road.seen = true;
    road.status = status in ROAD_COLORS ? status : 'pending';
    road.passes = Number(passes) || 0;
    if (Number.isFinite(required)) road.required = required;
    const more = road.passes > before;
    road.layer.setStyle({ color: ROAD_COLORS[road.status], weight: more ? road.weight * 2.2 : road.weight });
    if (more) { // a pass just completed: the road swells for a moment so the wall shows where
      clearTimeout(road.flash);
      road.flash = setTimeout(() => road.layer.setStyle({ weight: road.weight }), 3000);
    }
  }

  roadColor(id) {
    const road = this.roads.get(String(id));
    return road ? ROAD_COLORS[road.status] : null;
  }

  statusCounts() {
    const out = { ok: 0, behind: 0, missed: 0, pending: 0 };
    for (const road of this.roads.values()) out[road.status]++;
    return out;
  }

  flyToRoad(id) {
    const road = this.roads.get(String(id));
    if (!road) return;
    this.map.flyToBounds(road.layer.getBounds(), { maxZoom: 17, padding: [60, 60], duration: 0.8 });
    this.emphasise(road.layer.toGeoJSON());
  }

  flyToPoint(lat, lon, zoom = 17) {
    this.map.flyTo([lat, lon], Math.max(zoom, this.map.getZoom()), { duration: 0.8 });
  }

  flyToCamera(id) {
    const c = this.cameras.get(id);
    if (c) this.flyToPoint(c.at.lat, c.at.lng);
  }

  // A bright halo under the chosen road so the eye finds it on a busy wall.
  emphasise(geojson) {
    if (this.highlight) this.highlight.remove();
    this.highlight = this.L.geoJSON(geojson, { renderer: this.renderer, interactive: false,
      style: { color: '#ffffff', weight: 14, opacity: 0.35 } }).addTo(this.map);
    this.highlight.bringToBack();
  }

  clearEmphasis() {
    if (this.highlight) this.highlight.remove();
    this.highlight = null;
  }

  hoverAt(point) {
    const hit = this.inspectors.pick(point);
    const card = this.hover;
    if (!hit) { card.hidden = true; this.map.getContainer().style.cursor = ''; return; }
    this.map.getContainer().style.cursor = 'pointer';
    card.replaceChildren(
      el('b', { text: hit.device }),
      el('div', { text: `${t('col.grid')}: ${hit.grid ? this.gridName(hit.grid) : '–'}` }),
      el('div', { class: `state state-${hit.state}`, text: label('state', hit.state) }));
    card.style.left = `${point.x + 16}px`;
    card.style.top = `${point.y + 16}px`;
    card.hidden = false;
  }

  gridName(id) {
    const g = this.grids.get(String(id));
    return g ? (g.props.name || id) : String(id);
  }

  addLegend() {
    const L = this.L;
    const legend = L.control({ position: 'bottomleft' });
    legend.onAdd = () => {
      const box = el('div', { class: 'legend' });
      const fill = () => {
        box.replaceChildren(
          el('h4', { text: t('legend.roads') }),
          ...Object.entries(ROAD_COLORS).map(([k, c]) => el('div', {},
            el('i', { class: 'swatch line', style: { background: c } }), label('status', k))),
          el('h4', { text: t('legend.people') }),
          ...['active', 'idle', 'off_grid', 'too_fast', 'signal_lost', 'off_duty'].map((k) => el('div', {},
            el('i', { class: 'swatch dot', style: { background: STATE_COLORS[k] } }), label('state', k))));
      };
      fill();
      this.refreshLegend = fill;
      return box;
    };
    legend.addTo(this.map);
  }
}
