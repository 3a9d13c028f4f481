// pinbench report: keyboard shortcuts shared by every page. Every page works without this
// script; it only adds keys. A link with data-key="x" is followed when x is pressed.
(() => {
  // The header's links get their keys, and the header its hint, here rather than in every page's
  // markup (a large report has thousands of pages): they work only with this script anyway.
  const NAV_KEYS = new Map([
    ['Runs', 'r'],
    ['Summary', 's'],
    ['Matrix', 'm'],
    ['Kinds', 'g'],
    ['Divergences', 'd'],
    ['Policies', 'p'],
    ['Diff', 'f'],
    ['Triage', 't'],
  ]);
  for (const a of document.querySelectorAll('header.top nav a')) {
    const key = NAV_KEYS.get(a.textContent.trim());
    if (key && !a.dataset.key) a.dataset.key = key;
  }
  const top = document.querySelector('header.top .top-inner');
  if (top && !top.querySelector('.kbd-hint')) {
    const hint = document.createElement('span');
    hint.className = 'kbd-hint';
    hint.setAttribute('aria-hidden', 'true');
    const kbd = document.createElement('kbd');
    kbd.textContent = '?';
    hint.append('press ', kbd, ' for keys');
    top.append(hint);
  }

  const KEYS = [
    [['s', 'm', 'g', 'd', 'p'], 'summary, matrix, kinds (groups), divergences, policies'],
    [['/'], 'search (divergence list)'],
    [['j', 'k'], 'next / previous row (or arrows), Enter opens it'],
    [['[', ']'], 'previous / next divergence'],
    [['u'], 'back to the divergence list'],
    [['r'], 'the root of a cascade'],
    [['?'], 'this help; Esc closes it'],
  ];
  let help = null;

  function buildHelp() {
    const box = document.createElement('div');
    box.id = 'keys-help';
    box.className = 'keys-help';
    box.setAttribute('role', 'dialog');
    box.setAttribute('aria-label', 'Keyboard shortcuts');
    box.hidden = true;
    const h = document.createElement('h2');
    h.textContent = 'Keyboard';
    const dl = document.createElement('dl');
    for (const [keys, what] of KEYS) {
      const dt = document.createElement('dt');
      for (const k of keys) {
        const kbd = document.createElement('kbd');
        kbd.textContent = k;
        dt.append(kbd, ' ');
      }
      const dd = document.createElement('dd');
      dd.textContent = what;
      dl.append(dt, dd);
    }
    box.append(h, dl);
    document.body.append(box);
    return box;
  }

  function typing(target) {
    if (!(target instanceof Element)) return false;
    const tag = target.tagName;
    return tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA' || target.isContentEditable;
  }

  function toggleHelp(show) {
    if (!help) {
      if (show === false) return;
      help = buildHelp();
    }
    help.hidden = show === undefined ? !help.hidden : !show;
  }

  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'Escape') {
      toggleHelp(false);
      return;
    }
    if (typing(e.target)) return;
    if (e.key === '?') {
      toggleHelp();
      e.preventDefault();
      return;
    }
    if (e.key === '/') {
      const search = document.getElementById('f-q');
      if (search && !search.closest('[hidden]')) {
        search.focus();
        search.select();
        e.preventDefault();
      }
      return;
    }
    if (e.key.length !== 1) return;
    const link = document.querySelector(`a[data-key="${CSS.escape(e.key)}"]`);
    if (link instanceof HTMLAnchorElement) {
      e.preventDefault();
      link.click();
    }
  });
})();
