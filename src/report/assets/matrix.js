// pinbench matrix: the pages after the first, from data/matrix.js (window.PINBENCH_MATRIX; see
// src/report/matrix-data.ts). A large static report writes page 1 of each order as HTML; the
// pager links #page=N and this script puts that page's rows into the same table, with the
// markup matrix-page.ts writes. Data is written with textContent and attribute setters only.
(() => {
  const data = window.PINBENCH_MATRIX;
  const table = document.getElementById('matrix');
  if (!data || !table?.tBodies[0]) return;
  const order = table.dataset.order === 'release' ? 'release' : 'grouped';
  const list = table.dataset.list || 'divergences/index.html';
  const cols = data.columns[order];
  const rows = data.rows;
  const pages = Math.max(1, Math.ceil(rows.name.length / data.perPage));
  const NAMES = { p: 'pass', f: 'fail', i: 'inconclusive', u: 'unsupported', e: 'error' };
  const SYMBOLS = { p: '✓', f: '✗', i: '?', u: '–', e: '!' };
  // Notes: five numbers each (matrix-data.ts): rows since the last note, policy, kind (0, 1
  // known, 2 unexpected), expected verdict (0, else 1 + its place in 'pfiue'), detail.
  const notes = new Map();
  for (let i = 0, r = 0; i + 4 < data.notes.length; i += 5) {
    r += data.notes[i];
    let m = notes.get(r);
    if (!m) {
      m = new Map();
      notes.set(r, m);
    }
    const e = data.notes[i + 3];
    m.set(data.notes[i + 1], [
      ['', 'k', 'u'][data.notes[i + 2]] ?? '',
      e ? 'pfiue'[e - 1] : '',
      data.notes[i + 4],
    ]);
  }
  const staticBody = table.tBodies[0];

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function listHref(filters) {
    const q = new URLSearchParams(filters).toString();
    return q ? `${list}#${q}` : list;
  }

  /** `t`: the row's trace number, as the list's filter names it (trace-numbers.ts). */
  function cell(ri, name, t, divergences, code, col) {
    const pi = col[0];
    const policy = data.policies[pi];
    const gs = col[1] ? ' gstart' : '';
    const td = el('td');
    td.dataset.policy = policy;
    if (code === '.' || !NAMES[code]) {
      td.className = `v v-none${gs}`;
      td.title = `${policy}: no verdict`;
      td.append(el('span', 'sym', '·'));
      return td;
    }
    const v = NAMES[code];
    const note = notes.get(ri)?.get(pi);
    const kind = note ? (note[0] === 'k' ? 'known' : note[0] === 'u' ? 'unexpected' : '') : '';
    td.className = `v v-${v}${kind ? ` v-${kind}` : ''}${gs}`;
    if (note) {
      const expected = note[1] ? NAMES[note[1]] : '';
      td.dataset.expected = expected;
      td.title = `${name} on ${policy}: ${v}${kind ? ` (${kind})` : ''}, expected ${expected || '(the header states none)'}${data.details[note[2]] ?? ''}`;
    }
    const sym = el('span', 'sym', SYMBOLS[code]);
    sym.setAttribute('aria-hidden', 'true');
    const parts = [sym];
    if (kind === 'unexpected') {
      const sup = el('sup', 'unexp', '!');
      sup.setAttribute('aria-hidden', 'true');
      parts.push(sup);
    }
    parts.push(el('span', 'sr', `${v}${kind ? ` (${kind})` : ''}`));
    if (v !== 'pass' && divergences > 0) {
      const a = el('a');
      a.href = listHref({ scenario: name, t, policy });
      a.append(...parts);
      td.append(a);
    } else td.append(...parts);
    return td;
  }

  function body(page) {
    const tbody = document.createElement('tbody');
    const from = (page - 1) * data.perPage;
    const to = Math.min(rows.name.length, from + data.perPage);
    let lastTrace = -1;
    for (let ri = from; ri < to; ri++) {
      const ti = rows.trace[ri];
      const [trace, matrix, traceNo] = data.traces[ti];
      const t = String(traceNo);
      if (ti !== lastTrace) {
        lastTrace = ti;
        const tr = el('tr', 'trace-row');
        tr.dataset.trace = trace;
        const th = el('th');
        th.scope = 'rowgroup';
        th.colSpan = cols.length + 2;
        th.append(el('code', '', trace));
        if (matrix) th.append(' ', el('span', 'muted', `[${matrix}]`));
        tr.append(th);
        tbody.append(tr);
      }
      const name = rows.name[ri];
      const divergences = rows.divergences[ri];
      const tr = el('tr');
      tr.dataset.scenario = name;
      const th = el('th', 'sname');
      th.scope = 'row';
      const a = el('a', '', name);
      a.href = listHref({ scenario: name, t });
      th.append(a);
      const count = el('td', 'dcount num');
      if (divergences) {
        const c = el('a', '', divergences.toLocaleString('en-US'));
        c.href = listHref({ scenario: name, t });
        c.title = `${rows.roots[ri]} root`;
        count.append(c);
      }
      tr.append(th, count);
      const verdicts = rows.verdicts[ri];
      for (const col of cols) tr.append(cell(ri, name, t, divergences, verdicts[col[0]] ?? '.', col));
      tbody.append(tr);
    }
    return tbody;
  }

  /** Page numbers around `page`: 1, …, p-2..p+2, …, last (fragments.ts pagerPages). */
  function pagerPages(page) {
    const out = [];
    const add = (n) => {
      if (n >= 1 && n <= pages && !out.includes(n)) out.push(n);
    };
    add(1);
    if (page - 2 > 2) out.push(null);
    for (let n = page - 2; n <= page + 2; n++) add(n);
    if (page + 2 < pages - 1) out.push(null);
    add(pages);
    return out;
  }

  function pagerLink(n, text, rel) {
    const a = el('a', '', text);
    a.href = `#page=${n}`;
    if (rel) a.rel = rel;
    return a;
  }

  function fillPager(nav, page) {
    const parts = [page > 1 ? pagerLink(page - 1, '← previous', 'prev') : el('span', 'off', '← previous')];
    for (const n of pagerPages(page)) {
      if (n === null) parts.push(el('span', 'gap', '…'));
      else if (n === page) {
        const cur = el('span', 'cur', String(n));
        cur.setAttribute('aria-current', 'page');
        parts.push(cur);
      } else parts.push(pagerLink(n, String(n)));
    }
    parts.push(page < pages ? pagerLink(page + 1, 'next →', 'next') : el('span', 'off', 'next →'));
    nav.replaceChildren(...parts.flatMap((p, i) => (i ? [' ', p] : [p])));
  }

  function show() {
    const m = /(?:^#|&)page=(\d+)/.exec(location.hash);
    const page = Math.min(pages, Math.max(1, m ? Number(m[1]) : 1));
    table.tBodies[0].replaceWith(page === 1 ? staticBody : body(page));
    table.dataset.page = String(page);
    for (const nav of document.querySelectorAll('nav.pager')) fillPager(nav, page);
  }

  window.addEventListener('hashchange', show);
  show();
})();
