// pinbench divergence list: filters and search over every divergence of the run, from the
// compact index in data/divergences.js (window.PINBENCH_DIVERGENCES, columnar arrays), shown as
// a windowed list: only the rows in view exist in the DOM, so 100k divergences stay fast.
// Filters live in the URL fragment (#scenario=...&kind=root) so views can be linked.
// Everything from the data is written with textContent or attribute setters, never as markup.
(() => {
  const data = window.PINBENCH_DIVERGENCES;
  const app = document.getElementById('dlist-app');
  const form = document.getElementById('filters');
  const viewport = document.getElementById('dlist-viewport');
  const spacer = document.getElementById('dlist-spacer');
  const countLine = document.getElementById('dlist-count');
  const staticList = document.getElementById('dlist-static');
  if (!data || !app || !form || !viewport || !spacer || !countLine) return;

  const ROW_H = 34;
  const OVERSCAN = 8;
  const FLAG_ROOT = 1;
  const FLAG_NEW = 2;
  const FLAG_ACCEPTED = 4;
  const FIELDS = ['q', 'dkind', 'trace', 'scenario', 'family', 'policy', 'kind', 'triage'];
  const rows = data.rows;
  const total = rows.sig.length;
  const root = app.dataset.root || '';

  const matches = new Uint32Array(total);
  let count = 0;
  let selected = 0;
  let haystack = null;
  // Call texts arrive in a second file after the list is interactive (search covers them then).
  let texts = null;
  let lastFirst = -1;
  let lastLast = -1;

  function field(name) {
    return form.elements.namedItem(name);
  }

  /** Makes sure a select can show `value` (a fragment may name a value with no option yet). */
  function ensureOption(select, value) {
    if (!value || !(select instanceof HTMLSelectElement)) return;
    for (const o of select.options) if (o.value === value) return;
    const o = document.createElement('option');
    o.value = value;
    o.textContent = value;
    select.append(o);
  }

  function readFragment() {
    const params = new URLSearchParams(location.hash.slice(1));
    // Pages name a trace by its number in the run (#t=N: data.traces[N], trace-numbers.ts), not
    // by its path, which a large report would repeat in every link; a number the data does not
    // have matches nothing.
    const t = params.get('t');
    if (t !== null && !params.get('trace')) {
      const n = /^\d+$/.test(t) ? Number(t) : -1;
      params.set('trace', n >= 0 && n < data.traces.length ? data.traces[n] : `#${t}`);
    }
    for (const name of FIELDS) {
      const el = field(name);
      if (!el) continue;
      const value = params.get(name) || '';
      ensureOption(el, value);
      el.value = value;
    }
  }

  function writeFragment() {
    const params = new URLSearchParams();
    for (const name of FIELDS) {
      const el = field(name);
      if (el?.value) params.set(name, el.value);
    }
    const hash = params.toString();
    history.replaceState(null, '', hash ? `#${hash}` : location.pathname + location.search);
  }

  function buildHaystack() {
    haystack = new Array(total);
    for (let i = 0; i < total; i++) {
      haystack[i] =
        `${data.traces[rows.tr[i]]}:${rows.ln[i]} ${data.scenarios[rows.sc[i]]} #${rows.seq[i]} ${data.events[rows.ev[i]]} ${rows.sig[i]} ${data.kindTitles[rows.kd[i]] || ''} ${texts ? texts[i] : ''}`.toLowerCase();
    }
  }

  function membership(lists, wanted) {
    const ok = new Uint8Array(lists.length);
    for (let i = 0; i < lists.length; i++) ok[i] = lists[i].includes(wanted) ? 1 : 0;
    return ok;
  }

  function applyFilters() {
    const value = (name) => field(name)?.value || '';
    const q = value('q').trim().toLowerCase();
    const trace = value('trace') ? data.traces.indexOf(value('trace')) : -2;
    const scenario = value('scenario') ? data.scenarios.indexOf(value('scenario')) : -2;
    const family = value('family') ? data.families.indexOf(value('family')) : -2;
    const policy = value('policy') ? data.policies.indexOf(value('policy')) : -2;
    const kind = value('kind');
    // A divergence kind by its id (kinds/ pages link here with #dkind=<id>).
    const dkind = value('dkind') ? data.kinds.indexOf(value('dkind')) : -2;
    const triage = value('triage');
    const famOk = family >= 0 ? membership(data.familySets, family) : null;
    const polOk = policy >= 0 ? membership(data.partitionPolicies, policy) : null;
    if (q && !haystack) buildHaystack();
    // An unknown name in a filter matches nothing (rather than everything).
    const none = trace === -1 || scenario === -1 || family === -1 || policy === -1 || dkind === -1;
    let n = 0;
    if (!none) {
      for (let i = 0; i < total; i++) {
        if (trace >= 0 && rows.tr[i] !== trace) continue;
        if (scenario >= 0 && rows.sc[i] !== scenario) continue;
        if (dkind >= 0 && rows.kd[i] !== dkind) continue;
        const fl = rows.fl[i];
        if (kind === 'root' && !(fl & FLAG_ROOT)) continue;
        if (kind === 'cascade' && fl & FLAG_ROOT) continue;
        if (triage === 'new' && !(fl & FLAG_NEW)) continue;
        if (triage === 'accepted' && !(fl & FLAG_ACCEPTED)) continue;
        if (triage === 'unaccepted' && fl & FLAG_ACCEPTED) continue;
        if (famOk && !famOk[rows.fs[i]]) continue;
        if (polOk && !polOk[rows.cs[i]]) continue;
        if (q && !haystack[i].includes(q)) continue;
        matches[n++] = i;
      }
    }
    count = n;
    selected = Math.min(selected, Math.max(0, n - 1));
    spacer.style.height = `${Math.max(n, 1) * ROW_H}px`;
    const filtered = n !== total;
    countLine.textContent = filtered
      ? `${n.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} divergences match.`
      : `All ${total.toLocaleString('en-US')} divergences. Filter or search to narrow them.`;
    app.dataset.count = String(n);
    viewport.scrollTop = 0;
    selected = 0;
    render(true);
  }

  // A page per occurrence exists with `report --pages all` (and served live); otherwise a row
  // opens its kind's page, which shows the kind's first occurrence in full.
  function hrefOf(i) {
    if (data.occurrencePages) {
      const sig = rows.sig[i];
      return `${root}d/${sig.slice(0, 2)}/${sig}.html`;
    }
    const k = data.kinds[rows.kd[i]] || '';
    return k ? `${root}k/${k.slice(0, 2)}/${k}.html` : `${root}kinds/index.html`;
  }

  function span(cls, text) {
    const s = document.createElement('span');
    s.className = cls;
    s.textContent = text;
    return s;
  }

  function badge(kind, text) {
    return span(`badge badge-${kind}`, text);
  }

  function rowElement(pos) {
    const i = matches[pos];
    const a = document.createElement('a');
    a.className = pos === selected ? 'dl-row sel' : 'dl-row';
    a.href = hrefOf(i);
    a.setAttribute('role', 'listitem');
    a.tabIndex = -1;
    a.dataset.pos = String(pos);
    a.dataset.signature = rows.sig[i];
    a.style.transform = `translateY(${pos * ROW_H}px)`;
    const fl = rows.fl[i];
    const flags = span('flags', '');
    flags.append(fl & FLAG_ROOT ? badge('root', 'root') : badge('cascade', 'cascade'));
    if (data.hasPrevious && fl & FLAG_NEW) flags.append(' ', badge('new', 'new'));
    if (fl & FLAG_ACCEPTED) flags.append(' ', badge('accepted', 'accepted'));
    const matrix = data.matrices[rows.mx[i]];
    const where = `${data.traces[rows.tr[i]]}:${rows.ln[i]}${matrix ? ` [${matrix}]` : ''}`;
    const fams = data.familySets[rows.fs[i]].map((f) => data.families[f]).join(', ');
    a.append(
      flags,
      span('where', where),
      span('scen', data.scenarios[rows.sc[i]]),
      span('call', `#${rows.seq[i]} ${data.events[rows.ev[i]]}`),
      span('cls', data.partitions[rows.cs[i]]),
      span('fam', fams),
    );
    if (texts) a.title = texts[i];
    return a;
  }

  function render(force) {
    const height = viewport.clientHeight || 600;
    const first = Math.max(0, Math.floor(viewport.scrollTop / ROW_H) - OVERSCAN);
    const last = Math.min(count, Math.ceil((viewport.scrollTop + height) / ROW_H) + OVERSCAN);
    if (!force && first === lastFirst && last === lastLast) return;
    lastFirst = first;
    lastLast = last;
    const frag = document.createDocumentFragment();
    for (let pos = first; pos < last; pos++) frag.append(rowElement(pos));
    if (count === 0) {
      const empty = document.createElement('div');
      empty.className = 'dl-empty';
      empty.textContent = 'No divergence matches these filters.';
      frag.append(empty);
    }
    spacer.replaceChildren(frag);
  }

  function select(pos) {
    if (count === 0) return;
    selected = Math.max(0, Math.min(count - 1, pos));
    const top = selected * ROW_H;
    if (top < viewport.scrollTop) viewport.scrollTop = top;
    else if (top + ROW_H > viewport.scrollTop + viewport.clientHeight) {
      viewport.scrollTop = top + ROW_H - viewport.clientHeight;
    }
    render(true);
  }

  let scheduled = false;
  viewport.addEventListener('scroll', () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      render(false);
    });
  });

  viewport.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const page = Math.max(1, Math.floor(viewport.clientHeight / ROW_H) - 1);
    const moves = {
      ArrowDown: 1,
      j: 1,
      ArrowUp: -1,
      k: -1,
      PageDown: page,
      PageUp: -page,
    };
    if (e.key in moves) {
      select(selected + moves[e.key]);
      e.preventDefault();
    } else if (e.key === 'Home') {
      select(0);
      e.preventDefault();
    } else if (e.key === 'End') {
      select(count - 1);
      e.preventDefault();
    } else if (e.key === 'Enter' && count > 0) {
      location.href = hrefOf(matches[selected]);
      e.preventDefault();
    }
  });

  // j/k anywhere on the page (outside form fields) move in the list too.
  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.target === viewport || (e.target instanceof Element && e.target.closest('form'))) return;
    if (e.key === 'j' || e.key === 'k') {
      viewport.focus();
      select(selected + (e.key === 'j' ? 1 : -1));
      e.preventDefault();
    }
  });

  let timer = 0;
  form.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      writeFragment();
      applyFilters();
    }, 60);
  });
  form.addEventListener('submit', (e) => e.preventDefault());
  form.addEventListener('reset', () => {
    setTimeout(() => {
      writeFragment();
      applyFilters();
    }, 0);
  });
  window.addEventListener('hashchange', () => {
    readFragment();
    applyFilters();
  });
  window.addEventListener('resize', () => render(true));

  form.hidden = false;
  app.hidden = false;
  if (staticList) staticList.hidden = true;
  readFragment();
  applyFilters();
  document.documentElement.dataset.readyMs = String(Math.round(performance.now()));
  document.documentElement.dataset.ready = '1';

  function loadTexts() {
    const src = app.dataset.text;
    if (!src) return;
    const script = document.createElement('script');
    script.src = src;
    script.addEventListener('load', () => {
      const t = window.PINBENCH_DIVERGENCE_TEXT;
      if (!t || t.run !== data.run || t.text.length !== total) return;
      texts = t.text;
      haystack = null;
      app.dataset.textMs = String(Math.round(performance.now()));
      app.dataset.text = 'loaded';
      if (field('q')?.value) applyFilters();
      else render(true);
    });
    document.body.append(script);
  }
  setTimeout(loadTexts, 0);
})();
