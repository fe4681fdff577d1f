/** The dashboard's one stylesheet, served as a file so the pages' policy can forbid inline styles. */
export const DASHBOARD_CSS = `
:root { --fg: #1d2433; --muted: #5c667a; --line: #d9dee7; --bg: #f6f7f9; --bad: #b3261e; --warn: #8a5a00; --good: #1e6b35; --link: #1b4fb3; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; align-items: center; gap: 1.25rem; padding: .6rem 1.25rem; background: #fff; border-bottom: 1px solid var(--line); }
header .brand { font-weight: 600; }
header nav { display: flex; gap: 1rem; flex: 1; }
header form { margin: 0; display: flex; gap: .4rem; }
header form.search input { width: 17rem; }
header .who { color: var(--muted); }
a { color: var(--link); text-decoration: none; }
a:hover { text-decoration: underline; }
main { padding: 1rem 1.25rem 3rem; max-width: 1400px; }
h1 { font-size: 1.3rem; margin: .2rem 0 1rem; }
h2 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
table { border-collapse: collapse; background: #fff; width: 100%; border: 1px solid var(--line); }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef1f5; font-weight: 600; white-space: nowrap; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
/* The partners' table has fourteen columns: its headings wrap so that it fits a laptop's screen. */
table.activity td:first-child { min-width: 12rem; }
table.activity th { white-space: normal; }
.bad { color: var(--bad); font-weight: 600; }
.warn { color: var(--warn); font-weight: 600; }
.good { color: var(--good); }
.muted { color: var(--muted); }
.state { display: inline-block; padding: 0 .4rem; border-radius: 3px; background: #eef1f5; font-size: 12px; }
.state.bad, .state.warn { background: #fbeaea; }
.notice { padding: .5rem .75rem; border: 1px solid var(--line); background: #fff; margin-bottom: 1rem; }
.notice.error { border-color: var(--bad); color: var(--bad); }
.cards { display: flex; gap: 1rem; flex-wrap: wrap; margin-bottom: 1rem; }
.card { background: #fff; border: 1px solid var(--line); padding: .6rem 1rem; min-width: 10rem; }
.card .n { font-size: 1.5rem; font-weight: 600; display: block; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; background: #fff; border: 1px solid var(--line); padding: .75rem 1rem; }
dt { color: var(--muted); }
dd { margin: 0; word-break: break-word; }
pre { background: #fff; border: 1px solid var(--line); padding: .75rem; overflow: auto; max-height: 28rem; white-space: pre-wrap; word-break: break-all; }
form.inline { display: inline-flex; gap: .4rem; align-items: center; margin: 0 .5rem .5rem 0; }
input[type=text], input[type=password], input[type=search], select { padding: .3rem .4rem; border: 1px solid var(--line); border-radius: 3px; font: inherit; }
button { padding: .3rem .8rem; border: 1px solid #8a96ab; border-radius: 3px; background: #fff; font: inherit; cursor: pointer; }
button.primary { background: var(--link); border-color: var(--link); color: #fff; }
.filters { display: flex; gap: .6rem; align-items: center; margin-bottom: .75rem; flex-wrap: wrap; }
.pager { display: flex; gap: 1.25rem; margin: .75rem 0; }
.signin { max-width: 24rem; margin: 4rem auto; background: #fff; border: 1px solid var(--line); padding: 1.25rem; }
.signin input { width: 100%; margin: .5rem 0 1rem; }
`;
