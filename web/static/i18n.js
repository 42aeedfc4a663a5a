// Labels in Chinese (default) and English. Only fixed labels live here: text that comes from
// devices, alerts or the city is always put on the page with textContent, never as markup.

const LANG_KEY = 'gridwatch.lang';

const zh = {
  'title': '网格巡查监控', 'logout': '退出', 'search.placeholder': '搜索道路 / 巡查员 / 摄像头',
  'status.ok': '达标', 'status.behind': '落后', 'status.missed': '漏巡', 'status.pending': '待巡',
  'kpi.online': '在线巡查员', 'kpi.open_alerts': '未处理告警',
  'tab.alerts': '告警', 'tab.reports': '报表', 'tab.detail': '详情',
  'alerts.show_acked': '显示已确认', 'alerts.ack_all': '全部确认', 'alerts.empty': '暂无告警',
  'alerts.all_types': '全部类型', 'alerts.all_grids': '全部网格', 'alerts.ack': '确认',
  'alerts.acked': '已确认', 'alerts.cleared': '已解除',
  'sev.info': '提示', 'sev.warning': '警告', 'sev.critical': '严重',
  'type.coverage_behind': '巡查进度落后', 'type.road_unvisited': '道路久未巡查',
  'type.road_missed': '道路漏巡', 'type.signal_lost': '信号丢失', 'type.idle': '长时间静止',
  'type.off_grid': '离开网格', 'type.too_fast': '速度过快', 'type.motion': '画面移动',
  'type.spill': '抛洒滴漏', 'type.camera_offline': '摄像头离线',
  'state.active': '巡查中', 'state.off_duty': '非工作时间', 'state.signal_lost': '信号丢失',
  'state.idle': '静止', 'state.off_grid': '离开网格', 'state.too_fast': '速度过快',
  'conn.live': '实时连接', 'conn.connecting': '连接中…', 'conn.offline': '已断开，重连中',
  'reports.date': '日期', 'reports.refresh': '刷新', 'reports.chart': '全天巡查次数（按小时）',
  'reports.grids': '网格日报', 'reports.inspectors': '巡查员日报', 'reports.csv': '导出 CSV',
  'reports.chart_partial': '本页打开后收到的巡查（服务器未提供全天明细）',
  'col.grid': '网格', 'col.name': '名称', 'col.roads': '道路数', 'col.passes': '巡查次数',
  'col.required': '应巡次数', 'col.done': '完成/应巡', 'col.coverage': '覆盖率 %',
  'col.ok': '达标', 'col.behind': '落后', 'col.missed': '漏巡', 'col.pending': '待巡',
  'col.alerts': '告警', 'col.inspector': '巡查员', 'col.grids': '所属网格',
  'col.suspect': '可疑次数', 'col.distance': '里程 km', 'col.duty': '在岗时长',
  'col.duty_h': '在岗时长（小时）', 'col.done_n': '已完成', 'col.statuses': '达标/落后/漏巡/待巡',
  'col.roads_visited': '到过道路', 'col.road_coverage': '道路覆盖 %',
  'detail.empty': '点击地图上的道路、巡查员或摄像头查看详情',
  'detail.road': '道路', 'detail.inspector': '巡查员', 'detail.camera': '摄像头',
  'detail.class': '等级', 'class.main': '主干道', 'class.secondary': '次干道',
  'detail.progress': '今日进度', 'detail.status': '状态', 'detail.last_pass': '最近一次巡查',
  'detail.length': '长度', 'detail.passes_day': '全天巡查', 'detail.no_passes': '今日尚无巡查',
  'detail.by': '巡查员', 'detail.state': '状态', 'detail.last_fix': '最后定位',
  'detail.speed': '速度', 'detail.on_road': '所在道路', 'detail.replay': '回放今日轨迹',
  'detail.today': '今日', 'detail.evidence': '证据', 'detail.no_evidence': '暂无证据',
  'detail.events': '实时事件', 'detail.tampered': '证据已被篡改！',
  'detail.intact': '签名有效，证据完整',
  'detail.unsigned': '未签名（旧证据）：文件与清单一致，但无法证明清单未被改写', 'detail.frames': '帧', 'detail.clip': '视频片段',
  'detail.vehicle': '车辆', 'detail.overview': '全景', 'detail.suspect': '可疑',
  'detail.not_seen': '今日尚未上报', 'detail.fly': '定位',
  'detail.clip_unplayable': '浏览器无法播放该视频编码，请用下方的原始帧回放或下载视频',
  'detail.download_clip': '下载视频',
  'replay.close': '结束回放', 'replay.empty': '该巡查员今日没有轨迹',
  'login.prompt': '请输入监控中心令牌', 'login.token': '令牌', 'login.submit': '登录',
  'login.invalid': '令牌无效', 'login.forbidden': '该令牌没有监控权限',
  'login.error': '无法连接服务器',
  'legend.roads': '道路进度', 'legend.people': '巡查员',
  'error.live': '实时连接被服务器关闭：',
};

const en = {
  'title': 'Patrol monitoring', 'logout': 'Log out', 'search.placeholder': 'Find road / inspector / camera',
  'status.ok': 'OK', 'status.behind': 'Behind', 'status.missed': 'Missed', 'status.pending': 'Pending',
  'kpi.online': 'Inspectors online', 'kpi.open_alerts': 'Open alerts',
  'tab.alerts': 'Alerts', 'tab.reports': 'Reports', 'tab.detail': 'Details',
  'alerts.show_acked': 'Show acknowledged', 'alerts.ack_all': 'Acknowledge all',
  'alerts.empty': 'No alerts', 'alerts.all_types': 'All types', 'alerts.all_grids': 'All grids',
  'alerts.ack': 'Ack', 'alerts.acked': 'Acknowledged', 'alerts.cleared': 'Cleared',
  'sev.info': 'Info', 'sev.warning': 'Warning', 'sev.critical': 'Critical',
  'type.coverage_behind': 'Coverage behind', 'type.road_unvisited': 'Road unvisited',
  'type.road_missed': 'Road missed', 'type.signal_lost': 'Signal lost', 'type.idle': 'Idle',
  'type.off_grid': 'Off grid', 'type.too_fast': 'Too fast', 'type.motion': 'Motion',
  'type.spill': 'Spill', 'type.camera_offline': 'Camera offline',
  'state.active': 'On patrol', 'state.off_duty': 'Off duty', 'state.signal_lost': 'Signal lost',
  'state.idle': 'Idle', 'state.off_grid': 'Off grid', 'state.too_fast': 'Too fast',
  'conn.live': 'Live', 'conn.connecting': 'Connecting…', 'conn.offline': 'Disconnected, retrying',
  'reports.date': 'Date', 'reports.refresh': 'Refresh', 'reports.chart': 'Passes through the day (per hour)',
  'reports.grids': 'Grids', 'reports.inspectors': 'Inspectors', 'reports.csv': 'Export CSV',
  'reports.chart_partial': 'Passes received since this page opened (the server gave no day list)',
  'col.grid': 'Grid', 'col.name': 'Name', 'col.roads': 'Roads', 'col.passes': 'Passes',
  'col.required': 'Required', 'col.done': 'Done/required', 'col.coverage': 'Coverage %',
  'col.ok': 'OK', 'col.behind': 'Behind', 'col.missed': 'Missed', 'col.pending': 'Pending',
  'col.alerts': 'Alerts', 'col.inspector': 'Inspector', 'col.grids': 'Grids',
  'col.suspect': 'Suspect', 'col.distance': 'Distance km', 'col.duty': 'On duty',
  'col.duty_h': 'On duty (h)', 'col.done_n': 'Done', 'col.statuses': 'OK/behind/missed/pending',
  'col.roads_visited': 'Roads visited', 'col.road_coverage': 'Road coverage %',
  'detail.empty': 'Click a road, inspector or camera on the map for details',
  'detail.road': 'Road', 'detail.inspector': 'Inspector', 'detail.camera': 'Camera',
  'detail.class': 'Class', 'class.main': 'Main', 'class.secondary': 'Secondary',
  'detail.progress': 'Today', 'detail.status': 'Status', 'detail.last_pass': 'Last pass',
  'detail.length': 'Length', 'detail.passes_day': 'Passes today', 'detail.no_passes': 'No passes yet today',
  'detail.by': 'Inspector', 'detail.state': 'State', 'detail.last_fix': 'Last fix',
  'detail.speed': 'Speed', 'detail.on_road': 'On road', 'detail.replay': "Replay today's track",
  'detail.today': 'Today', 'detail.evidence': 'Evidence', 'detail.no_evidence': 'No evidence',
  'detail.events': 'Live events', 'detail.tampered': 'Evidence has been TAMPERED with!',
  'detail.intact': 'Signature valid, evidence intact',
  'detail.unsigned': 'Unsigned (older evidence): files match the manifest, but nothing proves the manifest itself is unchanged', 'detail.frames': 'Frames', 'detail.clip': 'Clip',
  'detail.vehicle': 'Vehicle', 'detail.overview': 'Overview', 'detail.suspect': 'suspect',
  'detail.not_seen': 'Not seen today', 'detail.fly': 'Show on map',
  'detail.clip_unplayable': 'This browser cannot play the clip\'s codec: use the original frames below or download it',
  'detail.download_clip': 'Download clip',
  'replay.close': 'End replay', 'replay.empty': 'No track for this inspector today',
  'login.prompt': 'Monitoring centre token', 'login.token': 'Token', 'login.submit': 'Log in',
  'login.invalid': 'Invalid token', 'login.forbidden': 'This token may not view the monitor',
  'login.error': 'Cannot reach the server',
  'legend.roads': 'Road progress', 'legend.people': 'Inspectors',
  'error.live': 'Live connection closed by the server: ',
};

const TABLES = { 'zh-CN': zh, 'en': en };
let lang = localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh-CN';
const listeners = [];

export function t(key) {
  return TABLES[lang][key] ?? zh[key] ?? key;
}

// A label for a value from the server (alert type, state, ...): unknown values show as they came.
export function label(prefix, value) {
  const key = `${prefix}.${value}`;
  return key in zh ? t(key) : String(value ?? '');
}

export function language() { return lang; }

export function setLanguage(next) {
  lang = next === 'en' ? 'en' : 'zh-CN';
  localStorage.setItem(LANG_KEY, lang === 'en' ? 'en' : 'zh');
  applyLabels(document);
  for (const fn of listeners) fn(lang);
}

export function onLanguage(fn) { listeners.push(fn); }

export function applyLabels(root) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
}
