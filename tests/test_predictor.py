"""Fast tests of warp_lca.predictor (the WARP-CNN architecture, the scaler) and warp_lca.warp (CPU, tiny shapes); the trainer's are in test_train_predictor.py."""
import pytest
import torch
import torch.nn as nn

from warp_lca.dictionary import ConvDictionary
from warp_lca.data import photo_tiles
from warp_lca.metrics import CIFAR10_NORM
from warp_lca.lca import LCAResult
from warp_lca.predictor import WarpCNN, sparse_init, conv_layers, flops, lca_iteration_flops, StateScaler
from warp_lca.train_predictor import lca_states_dataset, train_predictor
from warp_lca.warp import WarpLCA

TABLE3 = ([('conv1', 4, 512, 5, 1, 2), ('conv2', 512, 512, 5, 1, 2)] + [(f'conv{i}', 512, 512, 3, 1, 1) for i in (3, 4, 5, 6)]
          + [('adjust', 512, 256, 1, 1, 0)]
          + [r for b in 'du' for r in [(f'conv_{b}1', 512, 256, 3, 1, 1), (f'conv_{b}2', 256, 256, 3, 1, 1), (f'conv_{b}3', 256, 100, 3, 2, 1)]])


# `dic` and `ds` (the states of 40 photo tiles): tests/conftest.py




# --- architecture ---------------------------------------------------------------------------------------------------

def test_paper_layers():
    with torch.device('meta'): m = WarpCNN()  # defaults = paper: width 512, 100 atoms, RGB, stride 2
    assert conv_layers(m) == TABLE3
    bns = [(n, b.num_features) for n, b in m.named_modules() if isinstance(b, nn.BatchNorm2d)]
    assert bns == [(f'bn{i}', 512) for i in range(1, 7)] + [r for b in 'du' for r in [(f'bn_{b}1', 256), (f'bn_{b}2', 256), (f'bn_{b}3', 100)]]
    assert [type(x) for x in m.modules()].count(nn.Dropout) == 1 and m.dropout.p == 0.3


@pytest.mark.parametrize('H,W', [(32, 32), (33, 17), (15, 16)])
def test_output_shape(H, W):
    m = WarpCNN(width=8, n_atoms=10).eval()
    y = m(torch.randn(2, 3, H, W), 0.2)
    assert y.shape == (2, 10, -(-H // 2), -(-W // 2))
    assert ((y > 0) & (y < 1)).all()
    assert y.shape[-2:] == ConvDictionary.random(10).code_size((H, W))
    assert WarpCNN(8, 5, stride=3).eval()(torch.randn(1, 3, H, W), torch.tensor([0.1])).shape == (1, 5, -(-H // 3), -(-W // 3))


def test_lam_channel_matters():
    torch.manual_seed(0)
    m = WarpCNN(width=8, n_atoms=4, paper_init=False).eval()
    x = torch.randn(2, 3, 8, 8)
    assert not torch.allclose(m(x, 0.1), m(x, 0.9))
    assert torch.allclose(m(x, torch.tensor([0.1, 0.9]))[1], m(x[1:], 0.9)[0], atol=1e-6)


def test_sparse_init_matches_paper():
    def paper(m, sparsity=0.9, std=0.01):
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            with torch.no_grad():
                w = torch.randn(m.weight.size()) * std
                mask = torch.rand(m.weight.size()) > sparsity
                m.weight = nn.Parameter(w * mask.float())
                if m.bias is not None: m.bias.data.zero_()
    a, b = nn.Conv2d(16, 32, 3), nn.Conv2d(16, 32, 3)
    torch.manual_seed(1); paper(a)
    torch.manual_seed(1); p = b.weight; sparse_init(b)
    assert b.weight is p and torch.equal(a.weight.data, b.weight.data) and (b.bias == 0).all()
    assert 0.87 < float((b.weight == 0).float().mean()) < 0.93


def test_flops():
    d = ConvDictionary.random(100, seed=0)
    assert lca_iteration_flops(d, (32, 32)) == 2 * 100 * 3 * 81 * 256
    for w in (8, 64):
        m = WarpCNN(w, 100)
        assert flops(m) == 76800 * w * w + (4 * 25 * 1024 + 100 * 9 * 256) * w
    it = lca_iteration_flops(d)
    ok = []
    for w in (32, 64, 80, 86, 88, 128):
        with torch.device('meta'): m = WarpCNN(w, 100)
        if flops(m) <= 50 * it: ok.append(w)
    assert ok == [32, 64, 80, 86]


def test_bad_input():
    m = WarpCNN(8, 4)
    with pytest.raises(ValueError, match='channels'): m(torch.randn(1, 4, 8, 8), 0.1)
    with pytest.raises(ValueError, match='4 dims'): m(torch.randn(3, 8, 8), 0.1)
    with pytest.raises(ValueError, match='lam must be'): m(torch.randn(2, 3, 8, 8), torch.ones(3))
    with pytest.raises(ValueError, match='lam must be'): m(torch.randn(2, 3, 8, 8), float('nan'))
    with pytest.raises(ValueError, match='width must be even'): WarpCNN(7)
    with pytest.raises(ValueError, match='stride must be'): WarpCNN(8, stride=0)


# --- scaling -----------------------------------------------------------------------------------------------------

def test_scaler():
    torch.manual_seed(0)
    u = torch.randn(30, 6, 4, 4) ** 3
    for per_atom in (False, True):
        sc = StateScaler.fit(u, per_atom=per_atom)
        s = sc(u)
        assert s.min() >= 0 and s.max() <= 1
        inside = (s > 0) & (s < 1)
        assert torch.allclose(sc.inverse(s)[inside], u[inside], atol=1e-5)
        assert StateScaler.from_tensors(sc.to_tensors()).lo.shape == sc.lo.shape
    with pytest.raises(ValueError, match='hi must be'): StateScaler(1., 0.)


# --- WARP-LCA ---------------------------------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def warp(ds, dic, tmp_path_factory):
    r = train_predictor(ds, dic, tmp_path_factory.mktemp('w'), width=8, epochs=1, batch_size=16, val_frac=0.1, progress=False, solver=dict(tau=10))
    return WarpLCA.load(r.path, iters=20, norm=CIFAR10_NORM)


def test_warp_lca(warp, ds, dic, tmp_path):
    x = torch.stack([ds[i][0] for i in range(4)])
    u0 = warp.predict_states(x, 0.1)
    assert u0.shape == (4, 8, 8, 8)
    assert warp.starter.training is False
    r = warp(x, 0.1)
    assert isinstance(r, LCAResult) and r.n_iters == 20
    assert torch.equal(warp(x, 0.1, iters=0).u, u0)
    assert warp(x, torch.tensor([0.1, 0.1, 0.3, 0.3]), iters=3).a.shape == (4, 8, 8, 8)
    c = warp.compare(x, 0.1, iters=5)
    assert c['warm']['psnr'].shape == (4,) and c['zero']['energy'].shape == (4,)
    warp.save(tmp_path / 'w.safetensors')
    w2 = WarpLCA.load(tmp_path / 'w.safetensors')
    assert torch.equal(w2.predict_states(x, 0.1), u0) and w2.defaults['iters'] == 20
    warp.save(tmp_path / 'nd.safetensors', include_dictionary=False)
    with pytest.raises(ValueError, match='pass dictionary='): WarpLCA.load(tmp_path / 'nd.safetensors')
    assert torch.equal(WarpLCA.load(tmp_path / 'nd.safetensors', dictionary=dic).predict_states(x, 0.1), u0)


def test_warp_bad_input(warp, dic):
    with pytest.raises(ValueError, match='n_atoms'): WarpLCA(dic, WarpCNN(8, 9))
    with pytest.raises(ValueError, match='stride'): WarpLCA(dic, WarpCNN(8, 8, stride=1))
    with pytest.raises(ValueError, match='in_channels'): WarpLCA(dic, WarpCNN(8, 8, in_channels=1))
    with pytest.raises(ValueError, match='scaler'): WarpCNN(8, 8).set_scaler(StateScaler(torch.zeros(3), torch.ones(3)))
    with pytest.raises(TypeError, match='starter must be'): WarpLCA(dic, nn.Conv2d(3, 8, 1))
    x = torch.randn(2, 3, 16, 16)
    with pytest.raises(ValueError, match='channels'): warp(x[:, :2], 0.1)
    with pytest.raises(ValueError, match='lam must be'): warp(x, -1.)
    with pytest.raises(ValueError, match='u0 is set'): warp(x, 0.1, u0=torch.zeros(2, 8, 8, 8))
    with pytest.warns(RuntimeWarning, match='outside the range'): warp.predict_states(x, 2.)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='no CUDA')
def test_warp_cuda(warp, ds):
    x = torch.stack([ds[i][0] for i in range(4)])
    r_cpu = warp(x, 0.1)
    wc = warp.to('cuda')
    try:
        r = wc(x.cuda(), 0.1)
        assert r.a.is_cuda and torch.allclose(r.recon.cpu(), r_cpu.recon, atol=1e-2)
    finally: warp.to('cpu')
