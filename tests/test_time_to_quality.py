"The time-to-quality benchmark end to end on a few embedded tiles: its reference choice, exact crossings and re-read rows."
import json, sys
from pathlib import Path
import pytest
from warp_lca.data import photo_tiles
from warp_lca.evaluate import Method, log_iters
from warp_lca.metrics import CIFAR10_NORM
from warp_lca.pretrained import cifar10_dictionary, cifar10_warp

sys.path.insert(0, str(Path(__file__).parents[1] / 'benchmarks'))
import time_to_quality as T

WARM = 'accelerated from WARP v4 (WarpCNN)'


@pytest.fixture
def tiles(monkeypatch):
    "Four embedded 32×32 tiles stand in for the CIFAR-10 test set (the shared data need not be there)."
    x = CIFAR10_NORM(photo_tiles()[:4])
    monkeypatch.setattr(T, 'data', lambda name, a: x)
    return x


def args(tmp_path, *more):
    return ['--sets', 'cifar-0.15', '--n', '4', '--iters', '30', '--timing-repeats', '1', '--ref-taus', '100,110',
            '--skip', 'closed form', '--skip', 'FISTA', '--skip', 'IHT',
            '--out', str(tmp_path / 'RESULTS.md'), '--cache', str(tmp_path / 'cache'), '--checkpoints', str(tmp_path / 'ck'), *more]


def run(tmp_path, *more):
    T.main(args(tmp_path, *more))
    return json.loads((tmp_path / 'results' / 'time_to_quality.json').read_text())['cifar-0.15']


def test_reference_exact_and_reread(tiles, tmp_path):
    s = run(tmp_path, '--shipped', 'v4', '--exact')
    rs = s['rows']
    refs = [k for k in rs if k.startswith('LCA') and rs[k]['start'] is None]
    assert set(s['refs']) == set(refs) and {'LCA (default τ)', 'LCA τ=110'} <= set(refs)  # every zero-start plain LCA row is a candidate
    assert s['ref'] == max(refs, key=lambda k: rs[k]['psnr'])
    w = rs[WARM]
    assert w['iters'] is not None and 'iters_grid' in w and '(exact; grid' in (tmp_path / 'RESULTS.md').read_text()
    grid = log_iters(30)
    before = grid[grid.index(w['iters_grid']) - 1]
    assert before < w['iters'] <= w['iters_grid']  # the exact crossing lies in the grid's bracket
    assert w['wall_speedup'] == pytest.approx(rs[s['ref']]['seconds'] / w['seconds'])
    # a later render without the v4 starter re-reads its rows from the committed pieces, against its own reference
    s2 = run(tmp_path, '--shipped', 'v3', '--carry')
    w2 = s2['rows'][WARM]
    assert w2['carried'] and not w2.get('stale') and w2['psnr'] == w['psnr'] and w2['iters'] == w['iters_grid']
    assert w2['recorded'] == w['recorded'] and 'accelerated from WARP v3 (FeedForwardStarter)' in s2['rows']
    # with one of its pieces gone, the row is carried as it was, marked stale: a start not at hand is never run
    a = T.parse(args(tmp_path))
    m = Method('accelerated', cifar10_warp(version='v4').starter)
    paths = T.piece_paths(tiles, cifar10_dictionary(), 0.15, m, a)
    assert paths and all(p.exists() for p in paths) and m.key() == w['recorded']['key']
    paths[0].unlink()
    s3 = run(tmp_path, '--shipped', 'v3', '--carry')
    assert s3['rows'][WARM].get('stale') and s3['rows'][WARM]['psnr'] == w['psnr']


def test_recorded_start_cannot_run():
    with pytest.raises(RuntimeError, match='not at hand'): T.Recorded('gone', 1., 2.).predict_states(None, 0.15)
