// Map layers of the case loop, switched on and off from one box on the map: the cases of the
// open queue (coloured by their time limit) and the 部件 inventory (components, coloured by
// state, fetched for the city's extent the first time it is shown). Built with el(): a
// component's name is data and goes in as text (Leaflet's own layer control would put names in
// as HTML).

import { getJSON, query } from './api.js';
import { el } from './dom.js';
import { label, t } from './i18n.js';
import { CLOCK_COLORS } from './cases.js';

const INVENTORY_COLORS = { normal: '#2dd4bf', damaged: '#f59e0b', missing: '#ef4444', removed: '#64748b' };

export class CaseLayers {
  // desk: CaseDesk (its layer and department names); map: CityMap
  constructor(map, desk) {
    this.map = map;
    this.desk = desk;
    this.inventory = window.L.layerGroup();
    this.loaded = false;
    const control = window.L.control({ position: 'topright' });
    control.onAdd = () => {
      this.box = el('div', { class: 'legend layers' });
      this.fill();
      window.L.DomEvent.disableClickPropagation(this.box);
      return this.box;
    };
    control.addTo(map.map);
  }

  fill() {
    const toggle = (id, key, checked, onchange) => el('label', { class: 'check' },
      el('input', { type: 'checkbox', id, checked, onchange }), el('span', { text: t(key) }));
    this.box.replaceChildren(
      el('h4', { text: t('legend.cases') }),
      ...['green', 'yellow', 'red'].map((k) => el('div', {},
        el('i', { class: 'swatch dot', style: { background: CLOCK_COLORS[k] } }), label('colour', k))),
      toggle('layer-cases', 'layer.cases', this.map.map.hasLayer(this.desk.layer),
        (e) => this.desk.showLayer(e.target.checked)),
      toggle('layer-inventory', 'layer.inventory', this.map.map.hasLayer(this.inventory),
        (e) => this.showInventory(e.target.checked).catch((err) => this.desk.failed(err))));
  }

  relabel() { if (this.box) this.fill(); }

  async showInventory(on) {
    if (!on) { this.inventory.remove(); return; }
    if (!this.loaded) await this.loadInventory();
    this.inventory.addTo(this.map.map);
    this.desk.layer.eachLayer((m) => m.bringToFront()); // the cases stay on top
  }

  async loadInventory() {
    const b = this.map.cityBounds || this.map.map.getBounds();
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(6)).join(',');
    const fc = await getJSON(`/api/v1/cases/inventory${query({ bbox })}`);
    const L = window.L;
    this.inventory.clearLayers();
    this.count = 0;
    for (const f of fc.features || []) {
      const [lon, lat] = f.geometry?.coordinates || [];
      if (!Number.isFinite(lon) || !Number.isFinite(lat)) continue;
      const p = f.properties || {};
      const m = L.circleMarker([lat, lon], { renderer: this.map.renderer, radius: 4, weight: 1,
        color: '#020617', fillColor: INVENTORY_COLORS[p.state] || '#94a3b8', fillOpacity: 0.95 });
      m.bindTooltip(() => el('div', {}, el('b', { text: p.name || p.code }),
        el('div', { text: `${p.code} · ${label('inv.state', p.state)}` }),
        el('div', { text: `${t('inv.owner')}: ${this.desk.departmentName(p.owner)}` }),
        p.maintainer ? el('div', { text: `${t('inv.maintainer')}: ${this.desk.departmentName(p.maintainer)}` }) : null),
      { className: 'road-tip' });
      m.addTo(this.inventory);
      this.count++;
    }
    this.loaded = true;
  }
}
