"Packaging: `import warp_lca` (every module but the widgets) needs none of the [widgets] extra; setup.py's extras match settings.ini."
import configparser, json, pkgutil, re, runpy, subprocess, sys
from pathlib import Path
import pytest
import setuptools
import warp_lca

ROOT = Path(__file__).resolve().parents[1]
BLOCKED = ('plotly', 'ipywidgets', 'anywidget')  # the [widgets] extra
MODULES = sorted(f'warp_lca.{m.name}' for m in pkgutil.iter_modules(warp_lca.__path__) if m.name != 'widgets')
# Modules owned elsewhere that still import a blocked package at import time: strict xfail, so that fixing one flips
# its test to XPASS, which fails, and the entry is then removed here. (None at the time of writing.)
XFAIL = {}

_SCRIPT = """
import importlib, json, sys
for n in {blocked!r}: sys.modules[n] = None  # `import plotly` (and plotly.x) now raises ImportError
out = {{}}
for m in {modules!r}:
    try: importlib.import_module(m); out[m] = 'ok'
    except Exception as e: out[m] = f'{{type(e).__name__}}: {{e}}'
print(json.dumps(out))
"""

def _import_blocked(modules):
    "Import `modules` one after another in a fresh interpreter where the widget packages cannot be imported."
    code = _SCRIPT.format(blocked=BLOCKED, modules=list(modules))
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.fixture(scope='module')
def blocked_imports():
    return _import_blocked(MODULES + ['warp_lca.widgets'])


def test_every_module_is_listed():
    assert 'warp_lca.dictionary' in MODULES and 'warp_lca.reports' in MODULES and 'warp_lca.widgets' not in MODULES


def test_the_block_works(blocked_imports):
    "warp_lca.widgets imports ipywidgets and plotly at the top: blocked, it must fail (else this test proves nothing)."
    assert blocked_imports['warp_lca.widgets'].startswith(('ImportError', 'ModuleNotFoundError'))


@pytest.mark.parametrize('module', [pytest.param(m, marks=pytest.mark.xfail(strict=True, reason=XFAIL[m])) if m in XFAIL else m
                                    for m in MODULES])
def test_imports_without_widget_packages(blocked_imports, module):
    assert blocked_imports[module] == 'ok', blocked_imports[module]


def _names(reqs): return {re.split(r'[<>=!~\[;]', r, maxsplit=1)[0].strip().lower() for r in reqs}


def test_setup_extras(monkeypatch):
    "setup.py, run with setuptools.setup captured: base requirements for scripts, [widgets] ⊂ [dev]."
    got = {}
    monkeypatch.setattr(setuptools, 'setup', lambda **kw: got.update(kw))
    monkeypatch.chdir(ROOT)
    runpy.run_path(str(ROOT / 'setup.py'))
    base, extras = _names(got['install_requires']), got['extras_require']
    assert base == {'torch', 'torchvision', 'scikit-image', 'numpy', 'tqdm', 'safetensors', 'fastcore'}
    assert _names(extras['widgets']) == set(BLOCKED)
    assert _names(extras['widgets']) | {'nbdev', 'execnb', 'fastcore', 'pytest', 'hypothesis', 'jupyterlab'} == _names(extras['dev'])


def test_settings_name_only_existing_notebooks():
    cfg = configparser.ConfigParser(delimiters=['=']); cfg.read(ROOT / 'settings.ini', encoding='utf-8')
    readme = cfg['DEFAULT'].get('readme_nb')
    assert readme is None or (ROOT / cfg['DEFAULT']['nbs_path'] / readme).exists(), readme
