"The installed `warp-lca` console script exits 0 after a successful command (its result is not an exit status)."
import shutil, subprocess
import pytest


@pytest.mark.skipif(shutil.which('warp-lca') is None, reason='the warp-lca console script is not installed (pip install -e .)')
def test_console_script_exit_status(tmp_path):
    r = subprocess.run(['warp-lca', 'demo', '--iters', '3', '--n-tiles', '2', '--out', str(tmp_path / 'r.html')],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert (tmp_path / 'r.html').exists() and 'LCA' in r.stdout
    r = subprocess.run(['warp-lca', 'frobnicate'], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and 'invalid choice' in r.stderr
