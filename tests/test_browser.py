"""The widget tutorial in a real browser: JupyterLab on 127.0.0.1 driven by headless Debian chromium via npm playwright-core.

Needs `/usr/bin/chromium` (or `$CHROMIUM`), `node`, and `tests/browser/node_modules/playwright-core`: `.ci/browser_setup.sh`
installs both. Without them the test skips and says what is missing; `WARP_LCA_SKIP_BROWSER=1` skips it on purpose.
The browser script (tests/browser/run_notebook.js) runs all cells of the tutorial, fails on any traceback, checks that
the convergence curves and the activation maps fit side by side in the 1280×800 window, moves the λ slider with the
keyboard and checks that the plot's title and data change, stops a long run with the Stop toggle (within 2 s, back on
Run, no new run), changes the solver, the warm start, the log axis and (with CUDA) the device, scrubs the activation
maps, hovers and clicks an atom; then runs all cells of every other widget notebook (13_widgets) and fails on any
traceback. One attempt, one verdict. Screenshots (1280×800) go to `screenshots/` at the repository
root (git-ignored).
"""
import http.cookiejar, json, os, shutil, signal, socket, subprocess, sys, time, urllib.request
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
BROWSER_DIR = ROOT / 'tests' / 'browser'
CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')
NOTEBOOK = 'nbs/14_widgets_tutorial.ipynb'
MORE_NOTEBOOKS = ('nbs/13_widgets.ipynb',)  # the other widget notebooks: Run All, no traceback
SHOTS = ROOT / 'screenshots'

# JupyterLab user settings for the test: no news, no update check, no autosave, no extension manager.
LAB_SETTINGS = {
    '@jupyterlab/apputils-extension/notification.jupyterlab-settings': {'checkForUpdates': False, 'fetchNews': 'false'},
    '@jupyterlab/docmanager-extension/plugin.jupyterlab-settings': {'autosave': False},
    '@jupyterlab/extensionmanager-extension/plugin.jupyterlab-settings': {'enabled': False},
}


def missing_requirement():
    "Why the browser test cannot run here, or None."
    if os.environ.get('WARP_LCA_SKIP_BROWSER'): return 'WARP_LCA_SKIP_BROWSER is set'
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f'chromium not found at {CHROMIUM}: install Debian chromium (bash .ci/browser_setup.sh)'
    if shutil.which('node') is None: return 'node not found: install nodejs'
    if not (BROWSER_DIR / 'node_modules' / 'playwright-core' / 'package.json').exists():
        return 'npm playwright-core not installed in tests/browser/node_modules (bash .ci/browser_setup.sh)'
    try: import jupyterlab, ipywidgets, anywidget  # noqa: F401
    except ImportError as e: return f'{e.name} is not installed'
    return None


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    "A JupyterLab server on 127.0.0.1 serving the repository, token off; yields its base URL."
    why = missing_requirement()
    if why: pytest.skip(f'browser test skipped: {why}')
    settings = tmp_path / 'lab-settings'
    for name, value in LAB_SETTINGS.items():
        f = settings / name; f.parent.mkdir(parents=True, exist_ok=True); f.write_text(json.dumps(value))
    port = _free_port()
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / 'runtime'), JUPYTER_CONFIG_DIR=str(tmp_path / 'config'),
               PYTHONUNBUFFERED='1')
    cmd = [sys.executable, '-m', 'jupyterlab', '--no-browser', '--allow-root', '--ip=127.0.0.1', f'--port={port}',
           '--ServerApp.port_retries=0', '--IdentityProvider.token=', '--ServerApp.password=', f'--ServerApp.root_dir={ROOT}',
           f'--LabApp.user_settings_dir={settings}', f'--LabApp.workspaces_dir={tmp_path / "workspaces"}',
           f'--FileCheckpoints.checkpoint_dir={tmp_path / "checkpoints"}',  # opening a notebook makes a checkpoint: not in the repository
           '--LabApp.news_url=None', '--LabApp.expose_app_in_browser=True', '--LabApp.extension_manager=readonly',
           '--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate']
    log = open(tmp_path / 'jupyterlab.log', 'w')
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f'http://127.0.0.1:{port}'
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f'{url}/api/status', timeout=2): break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f'JupyterLab did not start: {(tmp_path / "jupyterlab.log").read_text()[-3000:]}')
                time.sleep(0.5)
        # Start the notebook's kernel through the REST API: JupyterLab then opens the notebook on this session, with no
        # "Select Kernel" dialog and no race between two kernel starts.
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        opener.open(f'{url}/lab', timeout=30).read()  # sets the _xsrf cookie that POST requests must echo
        xsrf = next((c.value for c in jar if c.name == '_xsrf'), '')
        for nb in (NOTEBOOK,) + MORE_NOTEBOOKS:
            req = urllib.request.Request(f'{url}/api/sessions', method='POST', headers={'Content-Type': 'application/json', 'X-XSRFToken': xsrf},
                                         data=json.dumps({'path': nb, 'name': Path(nb).name, 'type': 'notebook', 'kernel': {'name': 'python3'}}).encode())
            with opener.open(req, timeout=30) as r: assert r.status in (200, 201), r.status
        yield url
    finally:
        proc.terminate()  # SIGTERM: the server shuts its kernels down and exits
        try: proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL); proc.wait()
        log.close()


def test_widget_tutorial_in_chromium(lab, tmp_path):
    assert (ROOT / NOTEBOOK).exists(), f'{NOTEBOOK} is missing: run nbdev_export / the notebook conversion first'
    SHOTS.mkdir(exist_ok=True)
    for old in SHOTS.glob('*.png'): old.unlink()
    import torch
    n_cuda = torch.cuda.device_count() if torch.cuda.is_available() else 0
    cmd = ['node', str(BROWSER_DIR / 'run_notebook.js'), lab, NOTEBOOK, str(SHOTS), str(tmp_path / 'chromium-profile'), *MORE_NOTEBOOKS]
    try: r = subprocess.run(cmd, cwd=BROWSER_DIR, capture_output=True, text=True, timeout=420, env=dict(os.environ, CHROMIUM=CHROMIUM, WARP_LCA_N_CUDA=str(n_cuda)))
    except subprocess.TimeoutExpired as e: pytest.fail(f'browser script timed out; its log:\n{e.stderr}')
    sys.stderr.write(r.stderr)
    try: res = json.loads(r.stdout)
    except json.JSONDecodeError: pytest.fail(f'browser script gave no result (rc={r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}')
    report = '\n'.join(res['steps'] + ['console errors:'] + res['console_errors'][:20])
    assert res['ok'], 'browser check failed:\n' + '\n'.join(res['failures']) + '\n' + report
    # what the script checked, asserted once more here so that the test documents it
    c = res['checks']
    assert c['lambda'][0] != c['lambda'][1]
    assert c['title_before'] != c['title_after'] and f"λ = {c['lambda'][1]}" in c['title_after']
    assert 'stopped in' in c['title_stopped'] and c['stop_seconds'] <= 2
    assert 'accelerated LCA' in c['title_solver'] and c['warm_off'] and c['logx'] and c['devices'][0] == 'CPU' and len(c['devices']) == 1 + n_cuda
    assert all(b['y'] + b['height'] <= 800 and b['x'] + b['width'] <= 1280 for b in c['boxes'])  # curves and maps in one view
    assert all(c[f'ran_{Path(nb).name}'] > 0 for nb in MORE_NOTEBOOKS)
    assert c['maps_titles'][1].startswith('iteration 0 ')
    assert 'atom 57' in c['atom_hover'] and c['atom_title'].startswith('atom 57: active at')
    assert all(Path(s).exists() for s in res['screenshots'])
