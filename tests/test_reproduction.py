"Classifier definitions against the shared weights, and the reproduction suite end to end on a few images (issue 6)."
import sys
from pathlib import Path
import pytest, torch
import torch.nn as nn
from warp_lca.classifiers import CLASSIFIERS, DATA_MD_ACCURACY, build_classifier, load_classifier, accuracy, shared_weights, Normalized
from warp_lca.data import shared_data, cifar10, photo_tiles
from warp_lca.lca import lca
from warp_lca.metrics import CIFAR10_NORM
from warp_lca.evaluate import Method
from warp_lca import reproduction as R

HAVE_WEIGHTS = shared_weights() is not None and shared_data('cifar10') is not None
needs_shared = pytest.mark.skipif(not HAVE_WEIGHTS, reason='../shared weights / CIFAR-10 not present')

@pytest.fixture(scope='module')
def test_set(): return cifar10('test')

@needs_shared
@pytest.mark.parametrize('name', CLASSIFIERS)
def test_pretrained_accuracy_matches_data_md(name, test_set):
    x, y = test_set
    m = load_classifier(name)
    assert not m.training
    assert accuracy(m, x, y) == pytest.approx(DATA_MD_ACCURACY[name], abs=0.05)

@needs_shared
def test_loading_is_strict():
    from safetensors.torch import load_file
    sd = load_file(str(shared_weights() / 'cifar10_resnet20.safetensors'))
    with pytest.raises(RuntimeError): build_classifier('resnet32').load_state_dict(sd, strict=True)
    with pytest.raises(RuntimeError): build_classifier('resnet20').load_state_dict({k: v for k, v in sd.items() if k != 'linear.bias'}, strict=True)

def test_missing_weights_fail_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match='not found'): load_classifier('resnet20', tmp_path)
    with pytest.raises(ValueError, match='densenet40bc'): load_classifier('vgg16', tmp_path)

def test_normalisation_is_inside():
    class Probe(nn.Module):
        def forward(self, x): self.seen = x; return x.mean((2, 3))
    p = Probe(); net = Normalized(p, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5])
    net(torch.ones(1, 3, 4, 4))
    assert torch.allclose(p.seen, torch.ones(1, 3, 4, 4))

def test_noise_is_reproducible_and_shared_across_sigmas():
    x = torch.rand(3, 3, 8, 8)
    a, b = R.add_noise(x, 0.1, clip=False), R.add_noise(x, 0.2, clip=False)
    assert torch.allclose(2 * (a - x), b - x, atol=1e-6)
    assert torch.equal(R.add_noise(x, 0.3), R.add_noise(x, 0.3)) and R.add_noise(x, 0.3).max() <= 1

def test_activation_correlation_of_copies_and_silence():
    a = torch.zeros(1, 4, 5, 5)
    a[0, 0] = torch.rand(5, 5); a[0, 1] = 3 * a[0, 0]; a[0, 2] = -a[0, 0]
    C, ok = R.activation_correlation(a)
    assert C[0, 0, 1] == pytest.approx(1, abs=1e-5) and C[0, 0, 2] == pytest.approx(-1, abs=1e-5)
    assert not ok[0, 3].any()  # atom 3 silent: undefined, left out
    assert float(R.offdiag_abs_mean(C, ok)[0]) == pytest.approx(1, abs=1e-5)

@needs_shared
def test_robustness_small(test_set):
    from warp_lca.pretrained import cifar10_dictionary
    x, y = test_set[0][:12], test_set[1][:12]
    D = cifar10_dictionary()
    clf = {'resnet20': load_classifier('resnet20')}
    warm = lambda xb, lam: lca(xb, D, lam, iters=10, warn=False).u
    fes = {R.LCA_PAPER: (Method('lca', settings=dict(tau=100.), name='LCA'), 20), 'warm': (Method('lca', warm, dict(tau=100.), 'LCA@10 start'), 10)}
    res = R.robustness(x, y, clf, D, fes, sigmas=(0., 0.3), batch_size=5, progress=False)
    acc = res['accuracy']['resnet20']
    assert acc['none'][0] == pytest.approx(accuracy(clf['resnet20'], x, y))  # σ = 0 baseline = clean accuracy
    assert set(acc) == {'none', R.LCA_PAPER, 'warm'} and all(len(v) == 2 for v in acc.values())
    assert res['stats'][R.LCA_PAPER]['psnr'][1] > res['stats']['none']['psnr'][1]  # LCA denoises σ = 0.3
    assert res['labels'][R.LCA_PAPER] == 'LCA (τ=100) @20' and res['better'] == [R.LCA_PAPER] * 2  # τ used is in the label
    fig = R.robustness_figure(res); assert len(fig.data) == 3

def test_benchmark_script_smoke(tmp_path):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'benchmarks'))
    import reproduction as script
    cifar = shared_data('cifar10') is not None  # speed-up and correlation read CIFAR-10; the maps need only the bundled photographs
    exps = ('speedup,maps,correlation' if cifar else 'maps') + (',robustness' if HAVE_WEIGHTS else '') + (',tinyimagenet' if shared_data('tinyimagenet') else '')
    args = ['--n', '6', '--experiments', exps, '--iters-scale', '0.01', '--lams', '0.15,0.85', '--sigmas', '0,0.2', '--classifiers', 'resnet20',
            '--photos', 'chelsea', '--photo-side', '48', '--batch-size', '4', '--out', str(tmp_path)]
    script.main(args)
    md = (tmp_path / 'REPRODUCTION.md').read_text()
    assert 'SMOKE RUN' in md
    for e in exps.split(','):
        assert f'<!-- reproduction_{e}:start -->' in md and (tmp_path / 'results' / f'reproduction_{e}.json').exists()
    first = exps.split(',')[0]
    assert f'python benchmarks/reproduction.py --experiments {first} --n 6' in md
    script.main(args)  # resumable: the second run reads the cache and rewrites the same sections in place
    assert (tmp_path / 'REPRODUCTION.md').read_text().count(f'<!-- reproduction_{first}:start -->') == 1
