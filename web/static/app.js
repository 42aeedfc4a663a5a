// The supervisor's live page: login, then the city map, live feed, drill-downs and reports.
// Nothing is fetched before a token is given; a refused token clears the page.

import { AuthError, clearToken, getJSON, HttpError, setToken, takeTokenFromAddress, token } from './api.js';
import { alertFromEvent, AlertFeed } from './alerts.js';
import { CameraView } from './camera.js';
import { CaseLayers } from './caselayers.js';
import { CaseDesk } from './cases.js';
import { inspectorView, roadView } from './detail.js';
import { hms, isoDate, setTimeZone, toast } from './dom.js';
import { Evaluation } from './evaluation.js';
import { applyLabels, language, onLanguage, setLanguage, t } from './i18n.js';
import { LiveSocket } from './live.js';
import { CityMap } from './map.js';
import { Replay } from './replay.js';
import { Reports } from './reports.js';
import { Search } from './search.js';
import { dayStart, Page } from './page.js';

const ERROR_KEY = 'gridwatch.loginError';

function showLogin(message) {
  document.body.classList.add('locked');
  document.getElementById('login').hidden = false;
  document.getElementById('login-error').textContent = message || '';
  document.getElementById('login-token').focus();
}

// A refused token: forget it and reload, so no data stays on screen behind the login box.
function logout(message) {
  clearToken();
  if (message) sessionStorage.setItem(ERROR_KEY, message);
  window.location.replace('/');
}

// Roles that open the page: supervisors see everything; the case desk (operator, dispatcher,
// department) sees the map with its cases and the Cases and Evaluation tabs only.
const PAGE_ROLES = new Set(['supervisor', 'admin', 'operator', 'dispatcher', 'department']);

async function start() {
  let who;
  let city;
  try {
    who = await getJSON('/api/v1/whoami');
    if (!PAGE_ROLES.has(who.base)) throw new AuthError(403);
    city = await getJSON('/api/v1/city');
  } catch (err) {
    clearToken();
    if (err instanceof AuthError) showLogin(t(err.status === 403 ? 'login.forbidden' : 'login.invalid'));
    else showLogin(t('login.error'));
    return;
  }
  const patrol = who.patrol === true;
  document.body.classList.toggle('desk-mode', !patrol);
  document.body.classList.remove('locked');
  document.getElementById('login').hidden = true;
  const pageConfig = patrol ? await getJSON('/api/v1/page-config').catch(() => ({})) : {};
  setTimeZone(city.settings?.timezone || 'Asia/Shanghai');
  const page = new Page(city);
  const none = () => {};
  const map = new CityMap(document.getElementById('map'), {
    tileUrl: typeof pageConfig.tile_url === 'string' ? pageConfig.tile_url : null,
    onRoad: patrol ? (id, o) => page.openRoad(id, o) : none,
    onDevice: patrol ? (id, o) => page.openDevice(id, o) : none,
    onCamera: patrol ? (id, o) => page.openCamera(id, o) : none,
  });
  page.map = map;
  map.load(city);
  if (patrol) {
    page.feed = new AlertFeed({ gridOf: (s) => page.gridOfSubject(s), subjectLabel: (s) => page.subjectLabel(s),
      onPick: (a) => page.pickAlert(a), onChange: () => page.kpisSoon(), today: () => page.today });
    page.feed.setGrids(page.gridList());
    page.reports = new Reports({ roadsOfGrid: page.roadsOfGrid, livePasses: page.livePasses,
      settings: page.settings, alertsOf: (g, d) => page.alertsOf(g, d),
      roadRequired: (id) => map.roads.get(String(id))?.required ?? Infinity });
    page.player = new Replay(map);
    page.cameraView = new CameraView();
    page.render = { roadView, inspectorView };
    map.placeCameras(city.cameras || []);
    getJSON('/api/v1/cameras').then((cams) => map.placeCameras(Array.isArray(cams) ? cams : []))
      .catch(() => {});
    new Search(() => page.candidates(), (item) => page.open(item));
  }
  let live = null;
  page.failed = (err) => {
    if (err instanceof AuthError) { live?.stop(); logout(t('login.invalid')); } else toast(String(err.message || err));
  };
  const failed = (err) => page.failed(err);
  const desk = new CaseDesk({ who, map, gridName: (id) => page.gridName(id), failed });
  page.cases = desk;
  if (patrol) desk.showLayer(false); // until the Cases tab opens
  const casesReady = desk.start().then(() => {
    page.layers = new CaseLayers(map, desk);
    page.evaluation = new Evaluation({ failed,
      names: (dim, id, row) => (dim === 'department' ? desk.departmentName(id) : String(row.name || id)) });
    page.evaluation.setDate(isoDate(who.now > 0 ? who.now : Date.now() / 1000));
    return true;
  }).catch((err) => {
    // A server without the case loop ([cases] enabled = false): no Cases or Evaluation tab.
    if (err instanceof HttpError && err.status === 404) {
      document.body.classList.add('no-cases');
      return false;
    }
    failed(err);
    return false;
  });
  onLanguage(() => {
    if (patrol) page.relabel();
    else page.connection(document.getElementById('conn').className.replace('conn state-', ''));
    desk.relabel();
    page.evaluation?.relabel();
    page.layers?.relabel();
  });

  live = new LiveSocket({
    onEvents: (events) => page.apply(events),
    onState: (state, detail) => page.connection(state, detail),
    onOpen: () => {
      if (patrol) page.sync().catch(failed);
      casesReady.then((ok) => ok && desk.reload()).catch(failed);
    },
    onRefused: () => getJSON('/api/v1/whoami').catch(failed),
  });
  live.start();
  // A safety net under the live events: a case that left this desk's sight (returned by another
  // screen of the same department) drops off within a minute.
  setInterval(() => {
    if (document.getElementById('panel-cases').classList.contains('active')) {
      casesReady.then((ok) => ok && desk.reload()).catch(failed);
    }
  }, 60000);
  if (patrol) {
    setInterval(() => page.tick(), 1000);
    setInterval(() => page.refresh().catch(failed), 60000);
  } else {
    setInterval(() => { document.getElementById('clock').textContent = hms(Date.now() / 1000); }, 1000);
    page.showTab('cases');
  }
  window.gridwatch = { page, map, markers: map.inspectors, feed: page.feed, reports: page.reports,
    replay: page.player, live, dayStart, who, cases: desk, casesReady,
    evaluation: () => page.evaluation, layers: () => page.layers };
}

function boot() {
  applyLabels(document);
  const langBtn = document.getElementById('lang');
  const showLang = () => { langBtn.textContent = language() === 'en' ? '中文' : 'EN'; };
  showLang();
  langBtn.addEventListener('click', () => { setLanguage(language() === 'en' ? 'zh-CN' : 'en'); showLang(); });
  document.getElementById('logout').addEventListener('click', () => logout(''));
  document.getElementById('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const value = document.getElementById('login-token').value.trim();
    if (!value) return;
    setToken(value);
    document.getElementById('login-token').value = '';
    start();
  });
  for (const tab of document.querySelectorAll('.tab')) {
    tab.addEventListener('click', () => window.gridwatch?.page?.showTab(tab.dataset.tab));
  }
  takeTokenFromAddress();
  const error = sessionStorage.getItem(ERROR_KEY);
  sessionStorage.removeItem(ERROR_KEY);
  if (token()) {
    document.getElementById('login').hidden = true;
    start();
  } else {
    showLogin(error || '');
  }
}

boot();
