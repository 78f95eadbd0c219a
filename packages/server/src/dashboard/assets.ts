/**
 * The dashboard's two static files, kept here as text so the build needs no copying step and the
 * package ships them inside dist/. Both are small on purpose (docs/architecture.md: the first load is
 * measured by a test and stays under 40 KiB).
 *
 * The stylesheet follows `prefers-color-scheme`; colours are custom properties so dark mode is one
 * block. Focus is always visible. The script: live updates (Server-Sent Events from /dashboard/live;
 * on each one the parts marked `data-part` are fetched again and swapped, keeping focus) and a
 * confirmation before buttons marked `data-confirm`. Every page works without it.
 */
export const CSS = `:root{--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--panel:#f6f8fa;--link:#0550ae;--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9da7b3;--line:#30363d;--panel:#161b22;--link:#58a6ff;--ok:#3fb950;--bad:#f85149;--warn:#d29922}}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,sans-serif;background:var(--bg);color:var(--fg)}
a{color:var(--link)}:focus-visible{outline:3px solid var(--link);outline-offset:2px}
.skip{position:absolute;left:-9999px}.skip:focus{left:8px;top:8px;background:var(--bg);padding:4px}
header{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;padding:.5rem 1rem;border-bottom:1px solid var(--line);background:var(--panel)}
nav ul{display:flex;flex-wrap:wrap;gap:.75rem;list-style:none;margin:0;padding:0}nav a[aria-current]{font-weight:700}
header form{margin-left:auto}.mode{border-radius:4px;padding:0 .5em;font-size:.85em;font-weight:600;text-transform:uppercase;border:2px solid}.mode.test{border-color:var(--warn)}.mode.live{border-color:var(--ok)}header .mode{margin-left:auto}header .mode+form{margin-left:0}.who{color:var(--muted)}
main{padding:1rem;max-width:1200px}h1{font-size:1.4rem;margin:.25rem 0 1rem}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
caption{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}.scroll{overflow-x:auto}
pre{background:var(--panel);border:1px solid var(--line);padding:.5rem;overflow:auto;max-height:24rem;white-space:pre-wrap;word-break:break-all}
.badge{border-radius:1em;padding:0 .5em;border:1px solid currentColor;font-size:.85em}
.succeeded,.ok{color:var(--ok)}.failed,.bad,.cancelled{color:var(--bad)}.pending{color:var(--warn)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(11rem,1fr));gap:.75rem}
.card{border:1px solid var(--line);border-radius:6px;padding:.5rem .75rem;background:var(--panel);overflow-wrap:anywhere}progress{width:min(24rem,100%)}.card b{display:block;font-size:1.4rem}
.chart{margin:0;border:1px solid var(--line);border-radius:6px;padding:.5rem}.chart svg{width:100%;height:80px}
rect.ok{fill:var(--ok)}rect.failed{fill:var(--bad)}
form.inline{display:inline}form.stack{display:grid;gap:.5rem;max-width:36rem}form.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}
label{display:grid;gap:.15rem;font-weight:600}.field{display:grid;gap:.15rem}.check,label.check{display:flex;gap:.4rem;align-items:center}
input,select,textarea,button{font:inherit;font-weight:400;color:inherit;background:var(--bg);border:1px solid var(--line);border-radius:4px;padding:.3rem .5rem}
button{cursor:pointer;background:var(--panel)}button:hover{border-color:var(--link)}
.notice{border-left:4px solid var(--link);padding:.25rem .75rem;background:var(--panel)}.error{border-left-color:var(--bad)}
.empty,small,.muted{color:var(--muted)}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0}
`;

export const JS = `(()=>{"use strict";
const b=document.body;
document.addEventListener("submit",e=>{const m=e.submitter&&e.submitter.dataset.confirm;if(m&&!confirm(m))e.preventDefault()});
const live=b.dataset.live;if(!live||!window.EventSource)return;
let busy=false;
async function refresh(){if(busy)return;busy=true;try{
const r=await fetch(location.href,{credentials:"same-origin"});if(!r.ok)return;
const d=new DOMParser().parseFromString(await r.text(),"text/html");
for(const el of document.querySelectorAll("[data-part]")){const n=d.querySelector('[data-part="'+el.dataset.part+'"]');if(n&&n.innerHTML!==el.innerHTML&&!el.contains(document.activeElement))el.innerHTML=n.innerHTML}
b.dataset.updated=String(Date.now());
}finally{busy=false}}
const s=new EventSource(live);s.addEventListener("update",refresh);
})();
`;
