// Drive JupyterLab in headless Debian chromium: open the widget tutorial, run all cells, check for tracebacks,
// move the λ slider with the keyboard, stop a long run, scrub the activation maps, hover and click an atom, take screenshots.
// Usage: node run_notebook.js <lab base url> <tutorial notebook> <screenshot dir> <user data dir> [<more notebooks to Run All>...]
// Prints one JSON object on stdout: {ok, failures, steps, checks, console_errors, screenshots}. Exit code 0 when ok.
const path = require('path');
const fs = require('fs');
const { chromium } = require('playwright-core');

const [base, nbPath, shotDir, userDir, ...moreNbs] = process.argv.slice(2);
const N_CUDA = +(process.env.WARP_LCA_N_CUDA || 0);  // CUDA devices the kernel sees: the device picker lists them after the CPU
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
const outputsOf = (page) => page.evaluate(() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell')].map(c => ({
  // textContent, not innerText: cells scrolled out of view (content-visibility) have an empty innerText
  src: [...c.querySelectorAll('.jp-InputArea-editor .cm-line')].map(l => l.textContent).join('\n'),
  prompt: ((c.querySelector('.jp-InputPrompt') || {}).textContent || '').trim(),
  outputs: [...c.querySelectorAll('.jp-OutputArea-output')].map(o => ({ mime: o.getAttribute('data-mime-type') || '', text: o.textContent || '' })),
})));

const cellWith = (page, text) => page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell', { has: page.locator('.jp-InputArea-editor', { hasText: text }) }).first();
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
  await page.waitForSelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status="idle"]', { timeout: 60000 });
  log('indicator idle: ' + await kernelState(page));
  await page.waitForFunction(() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
    return k && k.status === 'idle' && k.connectionStatus === 'connected'; }, null, { timeout: 60000, polling: 250 })
    .catch(async () => { throw new Error('the notebook session has no idle, connected kernel after 60 s: ' + await kernelState(page)); });
  log('kernel ready: ' + await kernelState(page));
}


// Run ▸ Run All Cells on the open notebook, wait until every cell ran and the kernel is idle, fail on any traceback.
async function runAll(page, label) {
    // Run ▸ Run All Cells, clicked once (the caller waited for an idle, connected kernel): no cell started within 20 s fails.
    const started = () => page.waitForFunction(() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')]
      .some(p => /^\[(\*|\d+)\]:$/.test(p.textContent.trim())), null, { timeout: 20000, polling: 250 }).then(() => true, () => false);
    // Any JupyterLab dialog open now ('Select Kernel', a kernel error, ...) means the notebook is not ready as set up:
    // fail with its text. No kernel is chosen again and nothing is dismissed, so a lost kernel cannot turn into a pass.
    const dialog = page.locator('.jp-Dialog');
    if (await dialog.count() && await dialog.first().isVisible())
      throw new Error(`dialog open before Run All: ${(await dialog.first().innerText()).replace(/\s+/g, ' ').slice(0, 300)} [${await kernelState(page)}]`);
    await page.locator('.lm-MenuBar-itemLabel', { hasText: /^Run$/ }).click({ timeout: 10000 });
    await page.locator('.lm-Menu-itemLabel', { hasText: /^Run All Cells$/ }).click({ timeout: 10000 });
    log(`${label}: run all cells`);
    if (!(await started())) throw new Error('no cell started after Run All Cells: ' + await kernelState(page));
    // Every code cell has an execution count and the kernel is idle again.
    await page.waitForFunction(() => {
      const ps = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')].map(p => p.textContent.trim());
      const ind = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');
      return ps.length > 0 && ps.every(p => /^\[\d+\]:$/.test(p)) && ind && ind.getAttribute('data-status') === 'idle';
    }, null, { timeout: 150000, polling: 500 });
    log(`${label}: all cells executed`);

  const cells = await outputsOf(page);
  out.checks[`cells_${label}`] = cells.map(c => ({ prompt: c.prompt, src: c.src.split('\n')[0], outputs: c.outputs.map(o => o.mime + ': ' + o.text.slice(0, 160)) }));
  for (const c of cells) for (const o of c.outputs) {
    const t = o.text;
    if (/Traceback \(most recent call last\)/.test(t) || /\w*(Error|Exception): /.test(t) && o.mime.includes('error') || (o.mime.includes('stderr') && /^\w*(Error|Exception)\b/m.test(t)) || /Error displaying widget/.test(t))
      fail(`${label}: traceback/error in output of cell ${c.prompt} ${c.src.split('\n')[0]}: ${t.slice(0, 600)}`);
  }
  return cells;
}

const titleOf = (el) => (el.querySelector('.gtitle') || {}).textContent || '';
const waitTitle = (page, plot, re, timeout = 60000) => plot.elementHandle().then(h => page.waitForFunction(([el, src]) =>
  new RegExp(src).test((el.querySelector('.gtitle') || {}).textContent || ''), [h, re.source], { timeout, polling: 100 }));
const buttonText = (conv) => conv.locator('.widget-toggle-button').first().innerText().then(t => t.trim());

async function tutorial(page) {
  await runAll(page, 'tutorial');
  const cell = cellWith(page, 'display(e)');
  const plot = cell.locator('.js-plotly-plot').first();          // the convergence curves
  const mplot = cell.locator('.js-plotly-plot').nth(1);          // the activation maps
  const aplot = cell.locator('.js-plotly-plot').nth(2);          // the atoms
  await plot.scrollIntoViewIfNeeded();
  await waitTitle(page, plot, /done in/, 90000);
  await page.waitForFunction(el => /^iteration \d+ —/.test((el.querySelector('.gtitle') || {}).textContent || ''), await mplot.elementHandle(), { timeout: 30000 });
  const before = await plotState(plot);
  out.checks.title_before = before.title;
  log('explorer drawn: ' + before.title);
  // Curves and maps side by side: once the controls are scrolled to the top, both plots lie inside the 1280×800 window.
  await cell.locator('.widget-toggle-button').first().evaluate(el => el.scrollIntoView({ block: 'start' }));
  await page.mouse.wheel(0, -40); await page.waitForTimeout(300);
  const boxes = [await plot.boundingBox(), await mplot.boundingBox()];
  out.checks.boxes = boxes;
  if (!boxes.every(b => b && b.x >= 0 && b.y >= 0 && b.x + b.width <= 1280 && b.y + b.height <= 800)) fail('curves and maps do not both fit in 1280×800: ' + JSON.stringify(boxes));
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await shot(page, '01_explorer_after_run_all.png');

  // λ with the keyboard: one ArrowRight (one step of 0.01); the plot re-runs.
  const slider = (name) => cell.locator('.widget-hslider', { has: page.locator('.widget-label', { hasText: new RegExp(`^${name}$`) }) });
  const lamReadout = slider('λ').locator('.widget-readout').first();
  const lam0 = (await lamReadout.innerText()).trim();
  await slider('λ').locator('.noUi-handle').first().focus();
  await page.keyboard.press('ArrowRight');
  const lam1 = (await lamReadout.innerText()).trim();
  out.checks.lambda = [lam0, lam1];
  if (lam0 === lam1) fail('the λ readout did not change after ArrowRight');
  await page.waitForFunction(([el, lam]) => { const t = (el.querySelector('.gtitle') || {}).textContent || ''; return t.includes(`λ = ${lam}`) && /done in/.test(t); },
                             [await plot.elementHandle(), lam1], { timeout: 60000, polling: 100 });
  const after = await plotState(plot);
  out.checks.title_after = after.title;
  log('λ moved, explorer re-ran: ' + after.title);
  if (after.title === before.title) fail('the plot title did not change after moving λ');
  if (JSON.stringify(after.data) === JSON.stringify(before.data)) fail('the plot data did not change after moving λ');
  await page.waitForFunction(el => /^Run$/.test(el.innerText.trim()), await cell.locator('.widget-toggle-button').first().elementHandle(), { timeout: 10000 });

  // Stop: iterations to the maximum (End) starts a long run; Stop must end it within 2 s, the toggle back on Run.
  const itHandle = slider('iterations').locator('.noUi-handle').first();
  await itHandle.focus();
  await page.keyboard.press('End');
  await page.waitForFunction(el => el.innerText.trim() === 'Stop', await cell.locator('.widget-toggle-button').first().elementHandle(), { timeout: 15000, polling: 50 });
  await page.waitForTimeout(500);
  const tStop = Date.now();
  await cell.locator('.widget-toggle-button').first().click();
  await page.waitForFunction(([el, btn]) => /stopped in/.test((el.querySelector('.gtitle') || {}).textContent || '') && btn.innerText.trim() === 'Run',
                             [await plot.elementHandle(), await cell.locator('.widget-toggle-button').first().elementHandle()], { timeout: 30000, polling: 50 });
  out.checks.stop_seconds = (Date.now() - tStop) / 1000;
  out.checks.title_stopped = (await plotState(plot)).title;
  log(`stopped after ${out.checks.stop_seconds} s: ${out.checks.title_stopped}`);
  const m = /iteration (\d+) \/ (\d+)/.exec(out.checks.title_stopped);
  if (!m || !(+m[1] < +m[2])) fail('the Stop button did not end the run early');
  if (out.checks.stop_seconds > 2) fail(`Stop took ${out.checks.stop_seconds} s (more than 2 s) to show 'stopped' and 'Run'`);
  await page.waitForTimeout(1500);
  if (await buttonText(cell) !== 'Run' || /running/.test((await plotState(plot)).title)) fail('a run started again after Stop');
  await itHandle.focus(); await page.keyboard.press('Home');  // back to a short run (10 iterations)
  await waitTitle(page, plot, /iteration 10 \/ 10 · done in/, 60000);
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await shot(page, '02_explorer_stopped_then_short_run.png');

  // The solver and the warm start change the run; the log axis changes the plot.
  const pick = (name) => cell.locator('.widget-dropdown', { has: page.locator('label', { hasText: new RegExp(`^${name}$`) }) }).locator('select').first();
  const d0 = await plotState(plot);
  await pick('solver').selectOption({ label: 'accelerated LCA (β 0.95)' });
  await waitTitle(page, plot, /accelerated LCA.*done in/, 60000);
  const d1 = await plotState(plot);
  out.checks.title_solver = d1.title;
  if (JSON.stringify(d0.data) === JSON.stringify(d1.data)) fail('the plot data did not change with the accelerated solver');
  log('solver changed: ' + d1.title);
  const warm = cell.locator('.widget-checkbox', { hasText: 'WARP-LCA warm start' }).locator('input').first();
  if (await warm.isEnabled()) {
    await warm.uncheck();
    await page.waitForFunction(el => /done in/.test((el.querySelector('.gtitle') || {}).textContent || '') && el.data[4] && el.data[4].y.length === 0,
                               await plot.elementHandle(), { timeout: 60000, polling: 100 });
    out.checks.warm_off = true; log('warm start off: the WARP-LCA curves are gone');
    await warm.check();
    await page.waitForFunction(el => /done in/.test((el.querySelector('.gtitle') || {}).textContent || '') && el.data[4] && el.data[4].y.length > 0,
                               await plot.elementHandle(), { timeout: 60000, polling: 100 });
  } else fail('the warm start checkbox is disabled: no WARP-LCA predictor in the tutorial');
  const devs = await pick('device').evaluate(s => [...s.options].map(o => o.textContent.trim()));
  out.checks.devices = devs;
  if (devs[0] !== 'CPU' || devs.length !== 1 + N_CUDA) fail(`device picker lists ${JSON.stringify(devs)}, expected CPU and ${N_CUDA} CUDA devices`);
  if (N_CUDA > 0) {
    await pick('device').selectOption({ index: 1 });
    await waitTitle(page, plot, /CUDA 0.*done in/, 60000);
    out.checks.title_cuda = (await plotState(plot)).title; log('device changed: ' + out.checks.title_cuda);
    await pick('device').selectOption({ index: 0 });
    await waitTitle(page, plot, /· CPU<br>|· CPU.*done in/, 60000);
  }
  await cell.locator('.widget-checkbox', { hasText: 'log iterations axis' }).locator('input').first().check();
  await page.waitForFunction(el => el._fullLayout && el._fullLayout.xaxis.type === 'log', await plot.elementHandle(), { timeout: 10000 });
  out.checks.logx = true;
  await shot(page, '03_explorer_accelerated_logx.png');

  // Activation maps: they follow a run after its curves (rows rebuilt when the warm start came back): wait for the last
  // run's last iteration with both methods, then scrub with the keyboard (Home = first stored iteration).
  await page.waitForFunction(el => /^iteration 10 —.*WARP-LCA/.test((el.querySelector('.gtitle') || {}).textContent || ''), await mplot.elementHandle(), { timeout: 30000, polling: 100 });
  const m0 = await plotState(mplot);
  await cell.locator('.widget-hslider', { has: page.locator('.widget-label', { hasText: /^iteration$/ }) }).locator('.noUi-handle').first().focus();
  await page.keyboard.press('Home');
  await page.waitForFunction(([el, t]) => ((el.querySelector('.gtitle') || {}).textContent || '') !== t, [await mplot.elementHandle(), m0.title], { timeout: 20000 });
  const m1 = await plotState(mplot);
  out.checks.maps_titles = [m0.title, m1.title];
  log(`maps scrubbed: ${m0.title} -> ${m1.title}`);
  if (!/^iteration 0 —/.test(m1.title)) fail('scrubbing the activation maps to the start did not show iteration 0');
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await shot(page, '04_maps_scrubbed_to_0.png');

  // Atoms: hover one (tooltip with index and usage), click it (the Python on_click chooses it).
  await aplot.scrollIntoViewIfNeeded();
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
  await shot(page, '05_atoms_hover.png');
  await page.mouse.click(pos.x, pos.y);
  await page.waitForFunction(el => /^atom 57: active at/.test((el.querySelector('.gtitle') || {}).textContent || ''), await aplot.elementHandle(), { timeout: 20000 });
  out.checks.atom_title = (await plotState(aplot)).title;
  log('atom clicked: ' + out.checks.atom_title);
  await page.mouse.move(5, 5);
  await shot(page, '06_atoms_clicked.png');

  for (const c of await outputsOf(page)) for (const o of c.outputs)
    if (/Traceback \(most recent call last\)/.test(o.text) || /Error displaying widget/.test(o.text)) fail(`traceback after interacting, cell ${c.prompt}: ${o.text.slice(0, 600)}`);
  await page.locator('.jp-NotebookPanel .jp-Cell').first().scrollIntoViewIfNeeded();
  await shot(page, '00_tutorial_top.png');
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
    await tutorial(page);
    for (const nb of moreNbs) {  // every other widget notebook: Run All, no traceback
      await page.goto(`${base}/lab/tree/${nb}`);
      await page.waitForFunction(n => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget; return w && w.context && w.context.path === n; }, nb, { timeout: 60000 });
      await page.waitForSelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell', { timeout: 60000 });
      await kernelReady(page);
      const label = nb.split('/').pop();
      const cells = await runAll(page, label);
      out.checks[`ran_${label}`] = cells.length;
      await page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell').last().scrollIntoViewIfNeeded();
      await shot(page, `07_${label.replace('.ipynb', '')}_after_run_all.png`);
    }
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
