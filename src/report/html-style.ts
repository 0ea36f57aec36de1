/**
 * The report's one stylesheet, inlined. Colours are custom properties set per scheme (light,
 * dark, print); the SVG charts use classes only, so they follow the scheme too. System fonts
 * only: the page loads nothing.
 */

const LIGHT = `
  --bg: #f4f5f7; --card: #ffffff; --fg: #1d2129; --muted: #5d6673; --border: #dde1e6; --grid: #e9ecf0; --plot: #fbfcfd;
  --pass: #1a7f37; --pass-bg: #dcf5e3; --fail: #c9252d; --fail-bg: #fde8e8; --inconclusive: #8a5a00; --inconclusive-bg: #fdf0c8; --unknown: #5d6673; --unknown-bg: #eceff3;
  --blue: #2f6fd6; --orange: #d9730d; --red: #d1242f; --purple: #7c4dce; --green: #2b9a48; --teal: #0e8a8c; --pink: #c03a8e; --gray: #7d8794;
  --up: #3fae5a; --down: #e0484f; --unreachable: #6b3fb5;
  --fault: rgba(217, 115, 13, 0.13); --fault-edge: #d9730d; --firing: rgba(209, 36, 47, 0.12);
  --phase-steady: #eef2f6; --phase-chaos: #fbe9dc; --phase-recover: #e6f2ea;
  --lv-green: #5cb96f; --lv-yellow: #e3b341; --lv-red: #d9454d; --lv-unknown: #c5ccd5;
  --link: #2159b8; --code-bg: #f1f3f6; --shadow: 0 1px 2px rgba(16, 24, 40, 0.06);`;

const DARK = `
  --bg: #111217; --card: #181b1f; --fg: #d8dadd; --muted: #9aa0a8; --border: #2b3038; --grid: #262a31; --plot: #1b1e23;
  --pass: #73bf69; --pass-bg: rgba(115, 191, 105, 0.16); --fail: #f2495c; --fail-bg: rgba(242, 73, 92, 0.16); --inconclusive: #f5c544; --inconclusive-bg: rgba(245, 197, 68, 0.15); --unknown: #9aa0a8; --unknown-bg: rgba(154, 160, 168, 0.15);
  --blue: #5794f2; --orange: #ff9830; --red: #f2495c; --purple: #b877d9; --green: #73bf69; --teal: #4cc9c0; --pink: #ff7eb6; --gray: #8e959e;
  --up: #56a64b; --down: #e0404f; --unreachable: #9a6ad6;
  --fault: rgba(255, 152, 48, 0.14); --fault-edge: #ff9830; --firing: rgba(242, 73, 92, 0.16);
  --phase-steady: #20242a; --phase-chaos: #33261c; --phase-recover: #1c2b22;
  --lv-green: #56a64b; --lv-yellow: #d8a932; --lv-red: #e0404f; --lv-unknown: #4a5059;
  --link: #6ea6ff; --code-bg: #22262c; --shadow: none;`;

export const CSS = `
:root { color-scheme: light dark; ${LIGHT} }
@media (prefers-color-scheme: dark) { :root { ${DARK} } }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 24px 48px; }
a { color: var(--link); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 12px; }
code { background: var(--code-bg); padding: 1px 4px; border-radius: 4px; overflow-wrap: anywhere; }
pre { margin: 6px 0 0; padding: 8px; background: var(--code-bg); border-radius: 6px; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 320px; overflow: auto; }
h1, h2, h3 { line-height: 1.25; margin: 0; }
h1 { font-size: 22px; font-weight: 650; }
h2 { font-size: 19px; font-weight: 650; }
h3 { font-size: 13px; font-weight: 650; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); margin: 22px 0 8px; }
.muted { color: var(--muted); }
.small { font-size: 12px; }
.error { color: var(--fail); }
.card, section.scenario { background: var(--card); border: 1px solid var(--border); border-radius: 8px; box-shadow: var(--shadow); padding: 20px 22px; margin-bottom: 20px; }
.eyebrow { font-size: 12px; font-weight: 600; letter-spacing: 0.08em; text-transform: uppercase; color: var(--muted); }
.run-head { display: flex; flex-wrap: wrap; gap: 20px 32px; align-items: flex-start; justify-content: space-between; }
.run-title h1 { margin-top: 4px; }
.reason { margin: 8px 0 0; }
.kpis { display: flex; flex-wrap: wrap; gap: 12px; }
.kpi { min-width: 120px; padding: 10px 14px; border: 1px solid var(--border); border-radius: 8px; background: var(--plot); }
.kpi-value { font-size: 24px; font-weight: 650; font-variant-numeric: tabular-nums; line-height: 1.2; }
.kpi-label { font-size: 12px; color: var(--muted); }
.kpi.v-pass { border-color: var(--pass); background: var(--pass-bg); } .kpi.v-pass .kpi-value { color: var(--pass); }
.kpi.v-fail { border-color: var(--fail); background: var(--fail-bg); } .kpi.v-fail .kpi-value { color: var(--fail); }
.kpi.v-inconclusive { border-color: var(--inconclusive); background: var(--inconclusive-bg); } .kpi.v-inconclusive .kpi-value { color: var(--inconclusive); }
.meta { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 10px 24px; margin: 18px 0 0; padding-top: 16px; border-top: 1px solid var(--border); }
.meta div { min-width: 0; }
.meta .wide { grid-column: span 2; }
.meta dt { font-size: 12px; color: var(--muted); }
.meta dd { margin: 0; overflow-wrap: anywhere; font-variant-numeric: tabular-nums; }
.files { margin: 10px 0 0; font-size: 13px; }
.files a { margin-right: 12px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; white-space: nowrap; border: 1px solid transparent; }
.v-pass.badge { color: var(--pass); background: var(--pass-bg); border-color: var(--pass); }
.v-fail.badge { color: var(--fail); background: var(--fail-bg); border-color: var(--fail); }
.v-inconclusive.badge { color: var(--inconclusive); background: var(--inconclusive-bg); border-color: var(--inconclusive); }
.v-unknown.badge { color: var(--unknown); background: var(--unknown-bg); border-color: var(--unknown); }
.table-wrap { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; font-size: 13px; }
th, td { text-align: left; vertical-align: top; padding: 7px 10px; border-bottom: 1px solid var(--border); }
th { font-size: 12px; font-weight: 600; color: var(--muted); background: var(--plot); white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.row-fail td { background: var(--fail-bg); }
tr.row-inconclusive td { background: var(--inconclusive-bg); }
tr.total td { font-weight: 600; }
td.bad, .bad .stat-value { color: var(--fail); font-weight: 600; }
.flag { font-size: 11px; font-weight: 600; text-transform: uppercase; }
table.compact td { padding: 3px 10px; }
table.slis th[scope="colgroup"] { text-align: center; border-bottom: 1px solid var(--border); }
td.id, td.when, td.name { white-space: nowrap; }
.kv { list-style: none; margin: 0; padding: 0; }
.kv li { white-space: nowrap; }
.kv .k { color: var(--muted); }
.kv .k::after { content: ":"; }
details > summary { cursor: pointer; color: var(--link); font-size: 12px; }
details.events { margin-top: 16px; }
details.events > summary { font-size: 13px; }
.evidence pre { max-width: 420px; }
.scenario-head { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 14px; }
.scenario-head .score { margin-left: auto; font-size: 13px; color: var(--muted); }
.scenario-head .score strong { font-size: 20px; color: var(--fg); font-variant-numeric: tabular-nums; }
.description { margin: 8px 0 0; max-width: 900px; }
.facts { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 10px 0 0; font-size: 12px; color: var(--muted); }
.facts strong { color: var(--fg); font-weight: 600; }
.tag { display: inline-block; font-size: 11px; padding: 0 7px; border-radius: 999px; border: 1px solid var(--border); color: var(--muted); margin-right: 4px; }
.verdict-line { margin: 12px 0 0; padding: 8px 12px; border-radius: 6px; border-left: 4px solid var(--unknown); background: var(--unknown-bg); }
.verdict-line.v-pass { border-left-color: var(--pass); background: var(--pass-bg); }
.verdict-line.v-fail { border-left-color: var(--fail); background: var(--fail-bg); }
.verdict-line.v-inconclusive { border-left-color: var(--inconclusive); background: var(--inconclusive-bg); }
figure { margin: 0; }
figure.timeline { position: relative; break-inside: avoid; page-break-inside: avoid; }
.chart-scroll { overflow-x: auto; }
svg.chart { display: block; width: 100%; min-width: 760px; height: auto; font-family: inherit; }
svg.chart text { font-size: 11px; fill: var(--muted); }
svg.chart .ptitle { fill: var(--fg); font-weight: 600; }
svg.chart .plot { fill: var(--plot); stroke: var(--border); stroke-width: 1; }
svg.chart .grid { fill: none; stroke: var(--grid); stroke-width: 1; }
svg.chart .axis-tick { stroke: var(--muted); stroke-width: 1; }
svg.chart .phase { stroke: none; }
svg.chart .ph-steady { fill: var(--phase-steady); } svg.chart .ph-chaos { fill: var(--phase-chaos); } svg.chart .ph-recover { fill: var(--phase-recover); }
svg.chart .phase-label { fill: var(--fg); font-weight: 600; letter-spacing: 0.03em; }
svg.chart .phase-line { stroke: var(--muted); stroke-width: 1; stroke-dasharray: 4 3; opacity: 0.7; }
svg.chart .fault-shade { fill: var(--fault); }
svg.chart .fault-tag { fill: var(--fault); stroke: var(--fault-edge); stroke-width: 1; }
svg.chart .fault-label { fill: var(--fg); font-weight: 600; }
svg.chart .planned .fault-tag, svg.chart .planned .fault-shade { fill: none; stroke: var(--fault-edge); stroke-dasharray: 3 3; }
svg.chart .k-blue { --k: var(--blue); } svg.chart .k-orange { --k: var(--orange); } svg.chart .k-red { --k: var(--red); } svg.chart .k-purple { --k: var(--purple); }
svg.chart .k-green { --k: var(--green); } svg.chart .k-teal { --k: var(--teal); } svg.chart .k-pink { --k: var(--pink); } svg.chart .k-gray { --k: var(--gray); }
svg.chart .line { fill: none; stroke: var(--k); stroke-width: 1.6; stroke-linejoin: round; stroke-linecap: round; }
svg.chart .line.secondary { stroke-width: 1.3; stroke-dasharray: 5 3; }
svg.chart .area { fill: var(--k); opacity: 0.1; stroke: none; }
svg.chart .dot { fill: var(--k); }
svg.chart .legend text, svg.chart .legend-text { fill: var(--fg); }
svg.chart .legend.quiet text { fill: var(--muted); font-style: italic; }
svg.chart .threshold { stroke: var(--red); stroke-width: 1.2; stroke-dasharray: 6 4; }
svg.chart .threshold-label { fill: var(--red); font-weight: 600; }
svg.chart .firing { fill: var(--firing); }
svg.chart .firing-bar, svg.chart .firing-swatch { fill: var(--red); }
svg.chart .h-up { fill: var(--up); } svg.chart .h-down { fill: var(--down); } svg.chart .h-unreachable { fill: var(--unreachable); }
svg.chart .band-label { fill: #ffffff; font-weight: 600; font-size: 10px; }
svg.chart .lv-green { fill: var(--lv-green); } svg.chart .lv-yellow { fill: var(--lv-yellow); } svg.chart .lv-red { fill: var(--lv-red); } svg.chart .lv-unknown { fill: var(--lv-unknown); }
svg.chart .crosshair { stroke: var(--fg); stroke-width: 1; opacity: 0.55; visibility: hidden; pointer-events: none; }
svg.chart .crosshair.on { visibility: visible; }
.tooltip { position: absolute; z-index: 2; pointer-events: none; min-width: 190px; max-width: 320px; padding: 8px 10px; border-radius: 6px; border: 1px solid var(--border); background: var(--card); box-shadow: 0 4px 14px rgba(0, 0, 0, 0.18); font-size: 12px; line-height: 1.4; }
.tooltip[hidden] { display: none; }
.tooltip .tt-head { font-weight: 600; margin-bottom: 4px; }
.tooltip .tt-panel { color: var(--muted); margin-top: 4px; font-size: 11px; }
.tooltip .tt-row { display: flex; gap: 8px; align-items: center; }
.tooltip .tt-row span:last-child { margin-left: auto; font-variant-numeric: tabular-nums; }
.tooltip .sw { display: inline-block; width: 10px; height: 3px; border-radius: 2px; background: var(--k); }
.tooltip .k-blue { --k: var(--blue); } .tooltip .k-orange { --k: var(--orange); } .tooltip .k-red { --k: var(--red); } .tooltip .k-purple { --k: var(--purple); }
.tooltip .k-green { --k: var(--green); } .tooltip .k-teal { --k: var(--teal); } .tooltip .k-pink { --k: var(--pink); } .tooltip .k-gray { --k: var(--gray); }
.chart-note { margin: 6px 0 0; font-size: 12px; color: var(--muted); }
.stats { display: flex; flex-wrap: wrap; gap: 12px; }
.stat { min-width: 120px; padding: 8px 12px; border: 1px solid var(--border); border-radius: 8px; }
.stat-value { font-size: 20px; font-weight: 650; font-variant-numeric: tabular-nums; }
.stat-label { font-size: 12px; color: var(--muted); }
.findings { margin: 0; padding-left: 20px; }
.findings li { margin-bottom: 4px; }
.grid-2 { display: grid; grid-template-columns: minmax(0, 1fr); gap: 0 24px; }
footer { max-width: 1240px; margin: 0 auto; padding: 0 24px 32px; font-size: 12px; color: var(--muted); }
@media print {
  :root { color-scheme: light; ${LIGHT} }
  body { background: #ffffff; font-size: 11px; }
  main { max-width: none; padding: 0; }
  .card, section.scenario { box-shadow: none; border: none; border-top: 1px solid var(--border); border-radius: 0; padding: 12px 0; margin: 0; }
  section.scenario { break-before: page; }
  figure.timeline, svg.chart, table, .stats { break-inside: avoid; page-break-inside: avoid; }
  tr { break-inside: avoid; }
  svg.chart { min-width: 0; }
  .chart-scroll, .table-wrap { overflow: visible; }
  .tooltip, svg.chart .crosshair { display: none; }
  details > summary { color: var(--muted); }
  details::details-content { content-visibility: visible; display: contents; }
  pre { max-height: none; overflow: visible; }
  a { color: var(--fg); }
}
`;
