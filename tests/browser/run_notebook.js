// Drive JupyterLab in headless Debian chromium: open the widget tutorial, run all cells, check for tracebacks,
// move the λ slider with the keyboard, stop a long run, scrub the activation maps, hover and click an atom, take screenshots.
// Usage: node run_notebook.js <lab base url> <notebook path under the server root> <screenshot dir> <user data dir>
// Prints one JSON object on stdout: {ok, failures, steps, checks, console_errors, screenshots}. Exit code 0 when ok.
const path = require('path');
const fs = require('fs');
const { chromium } = require('playwright-core');

const [base, nbPath, shotDir, userDir] = process.argv.slice(2);
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const t0 = Date.now();
const out = { ok: false, failures: [], steps: [], checks: {}, console_errors: [], screenshots: [] };
const log = (s) => { const l = `${((Date.now() - t0) / 1000).toFixed(1)}s ${s}`; out.steps.push(l); console.error(l); };
const fail = (s) => { out.failures.push(s); log('FAIL ' + s); };

async function shot(page, name, target) {
  const file = path.join(shotDir, name);
  if (target) await target.screenshot({ path: file }); else await page.screenshot({ path: file });
  out.screenshots.push(file);
}

// Text of every output of every code cell, with the cell's source.
const outputsOf = (page) => page.evaluate(() => [...document.querySelectorAll('.jp-CodeCell')].map(c => ({
  // textContent, not innerText: cells scrolled out of view (content-visibility) have an empty innerText
  src: [...c.querySelectorAll('.jp-InputArea-editor .cm-line')].map(l => l.textContent).join('\n'),
  prompt: ((c.querySelector('.jp-InputPrompt') || {}).textContent || '').trim(),
  outputs: [...c.querySelectorAll('.jp-OutputArea-output')].map(o => ({ mime: o.getAttribute('data-mime-type') || '', text: o.textContent || '' })),
})));

const cellWith = (page, text) => page.locator('.jp-CodeCell', { has: page.locator('.jp-InputArea-editor', { hasText: text }) }).first();
const plotState = (plot) => plot.evaluate(gd => ({
  title: (gd.querySelector('.gtitle') || {}).textContent || '',
  data: (gd.data || []).map(t => (t.y && t.y.length !== undefined) ? Array.from(t.y) : null),
}));

// The notebook panel's session and kernel as JupyterLab sees them (needs the server's expose_app_in_browser).
const kernelState = (page) => page.evaluate(() => {
  const app = window.jupyterapp; if (!app) return 'app not exposed';
  const w = app.shell.currentWidget, sc = w && w.sessionContext; if (!sc) return 'no session context';
  const s = sc.session, k = s && s.kernel;
  return `session ${s ? s.id.slice(0, 8) : 'none'} kernel ${k ? `${k.id.slice(0, 8)} ${k.name} ${k.status}/${k.connectionStatus}` : 'none'}` +
    ` ready=${sc.isReady} running=${[...app.serviceManager.sessions.running()].map(m => m.id.slice(0, 8) + ':' + (m.kernel ? m.kernel.id.slice(0, 8) : '-')).join(',')}`;
}).catch(e => 'state unavailable: ' + e.message);

// Wait until the notebook's kernel can run cells. The execution indicator reads idle before the panel's session has a
// kernel (Run All clicked in that window opens 'Select Kernel'), so wait for the session's own kernel as well.
async function kernelReady(page) {
  await page.waitForSelector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', { timeout: 60000 });
  log('indicator idle: ' + await kernelState(page));
  await page.waitForFunction(() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
    return !window.jupyterapp || (k && k.status === 'idle' && k.connectionStatus === 'connected'); }, null, { timeout: 60000, polling: 250 })
    .catch(() => log('session has no idle connected kernel after 60 s'));
  log('kernel ready: ' + await kernelState(page));
}

async function main() {
  fs.mkdirSync(shotDir, { recursive: true });
  const ctx = await chromium.launchPersistentContext(userDir, {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1280, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--no-first-run'],
  });
  try {
    const page = ctx.pages()[0] || await ctx.newPage();
    page.setDefaultTimeout(30000);
    page.on('console', m => { if (m.type() === 'error') out.console_errors.push(m.text().slice(0, 400)); });
    page.on('pageerror', e => out.console_errors.push('pageerror: ' + String(e.message).slice(0, 400)));

    await page.goto(`${base}/lab/tree/${nbPath}?reset`);
    await page.waitForSelector('.jp-NotebookPanel .jp-CodeCell', { timeout: 60000 });
    await kernelReady(page);

    // Run ▸ Run All Cells; once more if no cell has started after 20 s (a click lost while the app was still settling).
    const started = () => page.waitForFunction(() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
      .some(p => /^\[(\*|\d+)\]:$/.test(p.textContent.trim())), null, { timeout: 20000, polling: 250 }).then(() => true, () => false);
    // A JupyterLab dialog (e.g. 'Select Kernel', which Run All opened when it was clicked before the session was ready) intercepts
    // every click: log its text and close it (a kernel choice is accepted, anything else dismissed) before clicking the menu.
    const dismissDialogs = async () => {
      for (let i = 0; i < 5; i++) {
        const d = page.locator('.jp-Dialog');
        if (!(await d.count()) || !(await d.first().isVisible())) return;
        const text = (await d.first().innerText()).replace(/\s+/g, ' ').slice(0, 300);
        log(`dialog closed: ${text} [${await kernelState(page)}]`);
        const accept = d.first().locator('.jp-Dialog-button.jp-mod-accept');
        if (/kernel/i.test(text) && await accept.count()) {
          // no kernel for this panel: choose Python 3 again, wait until it is idle
          const sel = d.first().locator('select');
          if (await sel.count()) {
            const v = await sel.first().evaluate(s => { const o = [...s.options].find(o => /^Python 3/.test(o.textContent.trim())); return o ? o.value : null; });
            if (v) await sel.first().selectOption(v);
          }
          await accept.first().click();
          await kernelReady(page).catch(e => log('after the kernel choice: ' + e.message));
        } else await page.keyboard.press('Escape');
        await page.waitForTimeout(500);
      }
    };
    for (let attempt = 1; ; attempt++) {
      for (let k = 1; ; k++) {  // a dialog may also open between the check and the click
        await dismissDialogs();
        try {
          await page.locator('.lm-MenuBar-itemLabel', { hasText: /^Run$/ }).click({ timeout: 10000 });
          await page.locator('.lm-Menu-itemLabel', { hasText: /^Run All Cells$/ }).click({ timeout: 10000 });
          break;
        } catch (e) { if (k === 3) throw e; log(`menu click failed (${k}), retrying`); await page.keyboard.press('Escape'); }
      }
      log(`run all cells (attempt ${attempt})`);
      if (await started()) break;
      log('no cell started: ' + await kernelState(page));
      if (attempt === 2) throw new Error('no cell started after Run All Cells');
      await page.keyboard.press('Escape');
    }
    // Every code cell has an execution count and the kernel is idle again.
    await page.waitForFunction(() => {
      const ps = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent.trim());
      const ind = document.querySelector('.jp-Notebook-ExecutionIndicator');
      return ps.length > 0 && ps.every(p => /^\[\d+\]:$/.test(p)) && ind && ind.getAttribute('data-status') === 'idle';
    }, null, { timeout: 90000, polling: 500 });
    log('all cells executed');

    const cells = await outputsOf(page);
    out.checks.cells = cells.map(c => ({ prompt: c.prompt, src: c.src.split('\n')[0], outputs: c.outputs.map(o => o.mime + ': ' + o.text.slice(0, 160)) }));
    for (const c of cells) for (const o of c.outputs) {
      const t = o.text;
      if (/Traceback \(most recent call last\)/.test(t) || (o.mime.includes('stderr') && /^\w*(Error|Exception)\b/m.test(t)) || /Error displaying widget/.test(t))
        fail(`traceback/error in output of cell ${c.prompt} ${c.src.split('\n')[0]}: ${t.slice(0, 600)}`);
    }

    // The convergence explorer: wait until its figure is drawn and the first run finished.
    const conv = cellWith(page, 'display(e.convergence)');
    const plot = conv.locator('.js-plotly-plot').first();
    await plot.scrollIntoViewIfNeeded();
    await page.waitForFunction(el => /done in/.test((el.querySelector('.gtitle') || {}).textContent || ''), await plot.elementHandle(), { timeout: 60000 });
    const before = await plotState(plot);
    out.checks.title_before = before.title;
    log('explorer drawn: ' + before.title);
    await conv.scrollIntoViewIfNeeded();
    await page.evaluate(() => document.activeElement && document.activeElement.blur());
    await shot(page, '01_convergence_after_run_all.png');

    // Move λ with the keyboard: focus the slider's handle, one ArrowRight (one step of 0.01).
    const lamHandle = conv.locator('.widget-hslider', { has: page.locator('.widget-label', { hasText: /^λ$/ }) }).locator('.noUi-handle').first();
    const lamReadout = conv.locator('.widget-hslider', { has: page.locator('.widget-label', { hasText: /^λ$/ }) }).locator('.widget-readout').first();
    const lam0 = (await lamReadout.innerText()).trim();
    await lamHandle.focus();
    await page.keyboard.press('ArrowRight');
    const lam1 = (await lamReadout.innerText()).trim();
    out.checks.lambda = [lam0, lam1];
    log(`λ moved with the keyboard: ${lam0} -> ${lam1}`);
    if (lam0 === lam1) fail('the λ readout did not change after ArrowRight');
    await page.waitForFunction(([el, lam]) => { const t = (el.querySelector('.gtitle') || {}).textContent || ''; return t.includes(`λ = ${lam}`) && /done in/.test(t); },
                               [await plot.elementHandle(), lam1], { timeout: 60000, polling: 250 });
    const after = await plotState(plot);
    out.checks.title_after = after.title;
    log('explorer re-ran: ' + after.title);
    if (after.title === before.title) fail('the plot title did not change after moving λ');
    if (JSON.stringify(after.data) === JSON.stringify(before.data)) fail('the plot data did not change after moving λ');
    out.checks.l0_last = [before.data[1] && before.data[1].slice(-1)[0], after.data[1] && after.data[1].slice(-1)[0]];
    await page.evaluate(() => document.activeElement && document.activeElement.blur());
    await shot(page, '02_convergence_after_lambda_key.png');

    // Stop: iterations to the maximum with the keyboard (End) starts a long background run; the Stop button ends it.
    const itHandle = conv.locator('.widget-hslider', { has: page.locator('.widget-label', { hasText: /^iterations$/ }) }).locator('.noUi-handle').first();
    await itHandle.focus();
    await page.keyboard.press('End');
    const stopButton = conv.locator('button', { hasText: 'Stop' }).first();
    await stopButton.waitFor({ timeout: 15000 });
    await page.waitForTimeout(300);
    await stopButton.click();
    await page.waitForFunction(el => /stopped in/.test((el.querySelector('.gtitle') || {}).textContent || ''), await plot.elementHandle(), { timeout: 30000, polling: 250 });
    out.checks.title_stopped = (await plotState(plot)).title;
    log('stopped: ' + out.checks.title_stopped);
    const m = /iteration (\d+) \/ (\d+)/.exec(out.checks.title_stopped);
    if (!m || !(+m[1] < +m[2])) fail('the Stop button did not end the run early');
    await conv.locator('button', { hasText: 'Run' }).first().waitFor({ timeout: 10000 });

    // Activation maps: they follow the new run; scrub with the keyboard (Home = first stored iteration).
    const maps = cellWith(page, 'e.maps');
    const mplot = maps.locator('.js-plotly-plot').first();
    await mplot.scrollIntoViewIfNeeded();
    await page.waitForFunction(el => /^iteration \d+ —/.test((el.querySelector('.gtitle') || {}).textContent || ''), await mplot.elementHandle(), { timeout: 30000 });
    await maps.scrollIntoViewIfNeeded();
    const m0 = await plotState(mplot);
    await shot(page, '03_activation_maps.png');
    await maps.locator('.widget-hslider .noUi-handle').first().focus();
    await page.keyboard.press('Home');
    await page.waitForFunction(([el, t]) => ((el.querySelector('.gtitle') || {}).textContent || '') !== t, [await mplot.elementHandle(), m0.title], { timeout: 20000 });
    const m1 = await plotState(mplot);
    out.checks.maps_titles = [m0.title, m1.title];
    log(`maps scrubbed: ${m0.title} -> ${m1.title}`);
    if (!/^iteration 0 —/.test(m1.title)) fail('scrubbing the activation maps to the start did not show iteration 0');
    await page.keyboard.press('End');
    await page.waitForFunction(([el, t]) => ((el.querySelector('.gtitle') || {}).textContent || '') === t, [await mplot.elementHandle(), m0.title], { timeout: 20000 });
    await page.evaluate(() => document.activeElement && document.activeElement.blur());

    // Atoms: hover one (tooltip with index and usage), click it (the Python on_click chooses it).
    const atoms = cellWith(page, 'e.atoms');
    const aplot = atoms.locator('.js-plotly-plot').first();
    await aplot.scrollIntoViewIfNeeded();
    await atoms.scrollIntoViewIfNeeded();
    const target = 57;
    const pos = await aplot.evaluate((gd, i) => {
      const tr = gd._fullData[1], xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, r = gd.getBoundingClientRect();
      return { x: r.left + xa._offset + xa.c2p(tr.x[i]), y: r.top + ya._offset + ya.c2p(tr.y[i]) };
    }, target);
    await page.mouse.move(pos.x, pos.y);
    const hover = page.locator('.hoverlayer .hovertext').first();
    await hover.waitFor({ timeout: 10000 });
    out.checks.atom_hover = (await hover.textContent()) || '';
    log('atom hover: ' + out.checks.atom_hover);
    if (!out.checks.atom_hover.includes(`atom ${target}`) || !/positions/.test(out.checks.atom_hover)) fail('atom hover text lacks index/usage');
    await shot(page, '04_atoms_hover.png');
    await page.mouse.click(pos.x, pos.y);
    await page.waitForFunction(el => /^atom 57: active at/.test((el.querySelector('.gtitle') || {}).textContent || ''), await aplot.elementHandle(), { timeout: 20000 });
    out.checks.atom_title = (await plotState(aplot)).title;
    log('atom clicked: ' + out.checks.atom_title);
    await page.mouse.move(5, 5);
    await shot(page, '05_atoms_clicked.png');

    // The whole notebook once more, for tracebacks that appeared during the interactions.
    for (const c of await outputsOf(page)) for (const o of c.outputs)
      if (/Traceback \(most recent call last\)/.test(o.text) || /Error displaying widget/.test(o.text)) fail(`traceback after interacting, cell ${c.prompt}: ${o.text.slice(0, 600)}`);
    await page.locator('.jp-NotebookPanel .jp-Cell').first().scrollIntoViewIfNeeded();
    await shot(page, '00_top.png');
  } catch (e) {
    fail('exception: ' + (e && e.stack || e));
    try { const p = ctx.pages()[0]; if (p) await shot(p, '99_failure.png'); } catch (e2) {}
  } finally {
    await ctx.close();
  }
  out.ok = out.failures.length === 0;
  out.seconds = (Date.now() - t0) / 1000;
  console.log(JSON.stringify(out, null, 1));
  process.exit(out.ok ? 0 : 1);
}
main();
