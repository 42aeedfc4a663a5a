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
  'tab.cases': '案件', 'tab.eval': '考核',
  'cstate.reported': '上报', 'cstate.accepted': '受理', 'cstate.opened': '立案', 'cstate.dispatched': '派遣',
  'cstate.handled': '处置', 'cstate.checked': '核查', 'cstate.closed': '结案', 'cstate.void': '作废',
  'cstate.parked': '挂账',
  'action.report': '上报', 'action.accept': '受理', 'action.open': '立案', 'action.dispatch': '派遣',
  'action.handle': '处置', 'action.return': '退回', 'action.extend': '延期', 'action.park': '挂账',
  'action.unpark': '解除挂账', 'action.check': '核查', 'action.close': '结案', 'action.rework': '返工',
  'action.void': '作废', 'action.sweep': '时限提醒',
  'cases.title': '案件', 'cases.inbox': '部门收件箱', 'cases.overdue_only': '只看超期',
  'cases.empty': '暂无案件', 'cases.total': '共 {n} 件', 'cases.all': '全部',
  'cases.back': '← 返回列表', 'cases.timeline': '流程记录', 'cases.photos': '照片',
  'cases.no_photos': '无照片', 'cases.evidence': '抛洒证据', 'cases.actions': '可执行操作',
  'cases.no_actions': '当前角色在此状态下无可执行操作', 'cases.fly': '地图定位',
  'cases.conflict': '操作未生效：该案件已被他人先行处理（现为“{state}”，版本 {version}）。已刷新为最新内容，请确认后再操作。',
  'cases.refused': '操作被拒绝：', 'cases.done': '已{action}', 'cases.submit': '提交', 'cases.cancel': '取消',
  'cases.reason': '原因', 'cases.note': '说明', 'cases.department': '处置部门', 'cases.hours': '延期小时数',
  'cases.photo': '处置照片', 'cases.passed': '核查通过', 'cases.new': '新案件',
  'cases.overdue_n': '超期 {n}', 'cases.hotline': '+ 热线来电', 'cases.pick': '在地图上点击案件位置', 'cases.picked': '位置已选定', 'cases.caller': '来电人', 'cases.created': '已立为第 {id} 号案件（上报）', 'cases.more': '显示更多（已显示 {shown} / {total}）',
  'case.id': '编号', 'case.state': '状态', 'case.class': '类别', 'case.source': '来源',
  'case.reporter': '上报人', 'case.grid': '网格', 'case.road': '道路', 'case.address': '地址',
  'case.department': '处置部门', 'case.suggested': '建议部门', 'case.due': '时限',
  'case.created': '上报时间', 'case.description': '描述', 'case.component': '部件',
  'case.assignee': '责任巡查员', 'case.rework': '返工次数', 'case.check': '核查',
  'case.presence': '到场证明', 'case.urgent': '紧急', 'case.camera': '摄像头', 'case.paused': '已暂停（剩余 {h} 小时）',
  'presence.present': '到场核查', 'presence.desk': '未到场（桌面核查）',
  'colour.green': '正常', 'colour.yellow': '即将超期', 'colour.red': '已超期',
  'source.inspector': '监督员上报', 'source.hotline': '12319 热线', 'source.camera': '视频抓拍',
  'source.spill': '抛洒滴漏', 'source.open311': '公众上报', 'source.patrol': '巡查缺口', 'source.alert': '告警转案件',
  'eval.bulletin': '月公布（打印）', 'eval.chart': '综合指标值',
  'eval.dim.department': '部门', 'eval.dim.grid': '网格', 'eval.dim.inspector': '监督员',
  'eval.period.day': '日', 'eval.period.xun': '旬', 'eval.period.month': '月', 'eval.period.year': '年',
  'eval.span': '{start} 至 {end}（不含）· 统计于 {at}', 'eval.empty': '该时段无数据',
  'ecol.id': '编号', 'ecol.name': '名称', 'ecol.opened': '立案数', 'ecol.due': '应结案数',
  'ecol.closed': '结案数', 'ecol.close_rate': '结案率', 'ecol.ontime': '按期结案数',
  'ecol.ontime_rate': '按期结案率', 'ecol.rework': '返工数', 'ecol.rework_rate': '返工率',
  'ecol.overdue': '超期数', 'ecol.overdue_rate': '超期率', 'ecol.reports': '上报数',
  'ecol.valid_reports': '有效上报数', 'ecol.missed': '漏报数', 'ecol.checks': '核查数',
  'ecol.present_checks': '到场核查数', 'ecol.score': '综合指标值', 'ecol.rank': '排名', 'ecol.grade': '等级',
  'legend.cases': '案件时限', 'layer.inventory': '部件', 'layer.cases': '案件',
  'inv.state.normal': '完好', 'inv.state.damaged': '损坏', 'inv.state.missing': '丢失', 'inv.state.removed': '已拆除',
  'inv.owner': '权属单位', 'inv.maintainer': '养护单位',
  'role.operator': '受理员', 'role.dispatcher': '派遣员', 'role.department': '处置部门',
  'role.supervisor': '监督', 'role.admin': '管理员',
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
  'tab.cases': 'Cases', 'tab.eval': 'Evaluation',
  'cstate.reported': 'Reported', 'cstate.accepted': 'Accepted', 'cstate.opened': 'Opened',
  'cstate.dispatched': 'Dispatched', 'cstate.handled': 'Handled', 'cstate.checked': 'Checked',
  'cstate.closed': 'Closed', 'cstate.void': 'Void', 'cstate.parked': 'Parked',
  'action.report': 'Report', 'action.accept': 'Accept', 'action.open': 'Open', 'action.dispatch': 'Dispatch',
  'action.handle': 'Handle', 'action.return': 'Return', 'action.extend': 'Extend', 'action.park': 'Park',
  'action.unpark': 'Unpark', 'action.check': 'Check', 'action.close': 'Close', 'action.rework': 'Rework',
  'action.void': 'Void', 'action.sweep': 'Time limit',
  'cases.title': 'Cases', 'cases.inbox': 'Department inbox', 'cases.overdue_only': 'Overdue only',
  'cases.empty': 'No cases', 'cases.total': '{n} in all', 'cases.all': 'All',
  'cases.back': '← Back to the list', 'cases.timeline': 'Flow log', 'cases.photos': 'Photos',
  'cases.no_photos': 'No photos', 'cases.evidence': 'Spill evidence', 'cases.actions': 'Actions',
  'cases.no_actions': 'Your role has no action on this case now', 'cases.fly': 'Show on map',
  'cases.conflict': 'Not applied: someone else acted on this case first (it is now "{state}", version {version}). It has been reloaded; check it before acting.',
  'cases.refused': 'Refused: ', 'cases.done': 'Done: {action}', 'cases.submit': 'Submit', 'cases.cancel': 'Cancel',
  'cases.reason': 'Reason', 'cases.note': 'Note', 'cases.department': 'Department', 'cases.hours': 'Extra hours',
  'cases.photo': 'Photo of the work', 'cases.passed': 'Check passed', 'cases.new': 'New case',
  'cases.overdue_n': '{n} overdue', 'cases.hotline': '+ Hotline call', 'cases.pick': 'Click the place on the map', 'cases.picked': 'Place chosen', 'cases.caller': 'Caller', 'cases.created': 'Case {id} entered (reported)', 'cases.more': 'More ({shown} of {total} shown)',
  'case.id': 'No.', 'case.state': 'State', 'case.class': 'Class', 'case.source': 'Source',
  'case.reporter': 'Reported by', 'case.grid': 'Grid', 'case.road': 'Road', 'case.address': 'Address',
  'case.department': 'Department', 'case.suggested': 'Suggested', 'case.due': 'Due',
  'case.created': 'Reported', 'case.description': 'Description', 'case.component': 'Component',
  'case.assignee': 'Assigned inspector', 'case.rework': 'Reworks', 'case.check': 'Check',
  'case.presence': 'Presence', 'case.urgent': 'Urgent', 'case.camera': 'Camera', 'case.paused': 'Paused ({h} h left)',
  'presence.present': 'On site', 'presence.desk': 'From the desk (not on site)',
  'colour.green': 'On time', 'colour.yellow': 'Due soon', 'colour.red': 'Overdue',
  'source.inspector': 'Inspector', 'source.hotline': '12319 hotline', 'source.camera': 'Camera capture',
  'source.spill': 'Spill', 'source.open311': 'Public (Open311)', 'source.patrol': 'Coverage gap', 'source.alert': 'From an alert',
  'eval.bulletin': 'Monthly bulletin (print)', 'eval.chart': 'Composite score',
  'eval.dim.department': 'Departments', 'eval.dim.grid': 'Grids', 'eval.dim.inspector': 'Inspectors',
  'eval.period.day': 'Day', 'eval.period.xun': '10 days (旬)', 'eval.period.month': 'Month', 'eval.period.year': 'Year',
  'eval.span': '{start} to {end} (exclusive) · computed {at}', 'eval.empty': 'No data in this period',
  'ecol.id': 'ID', 'ecol.name': 'Name', 'ecol.opened': 'Opened', 'ecol.due': 'Due to close',
  'ecol.closed': 'Closed', 'ecol.close_rate': 'Close rate', 'ecol.ontime': 'Closed on time',
  'ecol.ontime_rate': 'On-time rate', 'ecol.rework': 'Reworked', 'ecol.rework_rate': 'Rework rate',
  'ecol.overdue': 'Overdue', 'ecol.overdue_rate': 'Overdue rate', 'ecol.reports': 'Reports',
  'ecol.valid_reports': 'Valid reports', 'ecol.missed': 'Missed', 'ecol.checks': 'Checks',
  'ecol.present_checks': 'Checks on site', 'ecol.score': 'Score', 'ecol.rank': 'Rank', 'ecol.grade': 'Grade',
  'legend.cases': 'Case time limits', 'layer.inventory': 'Components', 'layer.cases': 'Cases',
  'inv.state.normal': 'Normal', 'inv.state.damaged': 'Damaged', 'inv.state.missing': 'Missing', 'inv.state.removed': 'Removed',
  'inv.owner': 'Owner', 'inv.maintainer': 'Maintainer',
  'role.operator': 'Operator', 'role.dispatcher': 'Dispatcher', 'role.department': 'Department',
  'role.supervisor': 'Supervisor', 'role.admin': 'Admin',
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

// A label with {name} placeholders filled in (values are text, the caller puts it in as text).
export function tf(key, values) {
  return t(key).replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));
}

// The catalogue's names are bilingual, "暴露垃圾 / exposed rubbish": the half for the language.
export function bilingual(name) {
  const text = String(name ?? '');
  const at = text.indexOf(' / ');
  if (at < 0) return text;
  return lang === 'en' ? text.slice(at + 3) : text.slice(0, at);
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
