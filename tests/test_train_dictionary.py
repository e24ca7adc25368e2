"Dictionary learning (warp_lca.train_dictionary): SDL steps and VDL (Evtimova & LeCun eqs. 7–8), checked against autograd, optimality conditions and invariances."
import copy, inspect
import pytest
import torch
from warp_lca.dictionary import ConvDictionary
from warp_lca.metrics import CIFAR10_NORM
from warp_lca.train_dictionary import (auto_tau, dictionary_step, variance_hinge, variance_hinge_grad, vdl_codes,
                                       vdl_dictionary_step, train_dictionary_vdl, psnr_l0_curve, compare_dictionary_learning)


@pytest.fixture(scope='module')
def tiles():
    from warp_lca.data import photo_tiles
    return photo_tiles()


def test_signatures_follow_the_convention():
    "(x, dictionary, lam, *, ...): the images first, the dictionary named `dictionary`; the hinge floor is `floor`."
    for f in (dictionary_step, vdl_dictionary_step, vdl_codes):
        assert list(inspect.signature(f).parameters)[:3] == ['x', 'dictionary', 'lam'], f.__name__
    assert list(inspect.signature(psnr_l0_curve).parameters)[:2] == ['x', 'dictionary']
    for f in (variance_hinge, variance_hinge_grad, vdl_codes, vdl_dictionary_step, train_dictionary_vdl, compare_dictionary_learning):
        ps = inspect.signature(f).parameters
        assert 'floor' in ps and 'T' not in ps and 'D' not in ps, f.__name__


def test_dictionary_step_renormalises(tiles):
    x = CIFAR10_NORM(tiles[:8])
    D = ConvDictionary.from_patches(x, 8, 5, 2, seed=0)
    w0 = D.weight.detach().clone()
    s = dictionary_step(x, D, 0.2, tau=auto_tau(D), iters=20, eta=0.05)
    assert not torch.equal(w0, D.weight.detach()) and s['loss'] > 0
    torch.testing.assert_close(D.weight.detach().flatten(1).norm(dim=1), torch.ones(8), atol=1e-5, rtol=0)


def test_variance_hinge_gradient():
    z = (torch.randn(4, 6, 3, 3, dtype=torch.float64) * torch.linspace(0.05, 2, 6, dtype=torch.float64).view(1, -1, 1, 1)).requires_grad_()
    for floor, beta in ((0.5, 1.), (1.5, 7.)):
        g, = torch.autograd.grad(variance_hinge(z, floor, beta), z)
        torch.testing.assert_close(variance_hinge_grad(z.detach(), floor, beta), g, atol=1e-12, rtol=1e-10)


def test_hinge_arguments_are_checked(tiles):
    x = CIFAR10_NORM(tiles[:2]); D = ConvDictionary.random(4, 3, 5, 2, seed=0)
    with pytest.raises(ValueError, match='floor must be'): vdl_codes(x, D, 0.2, floor=0.)
    with pytest.raises(ValueError, match='beta must be'): vdl_codes(x, D, 0.2, beta=-1.)
    with pytest.raises(ValueError, match='4 dims'): vdl_codes(x[0], D, 0.2)


@torch.no_grad()
def _violation(D, x, z, lam, beta, floor):
    "Largest violation of the optimality conditions of ½Σ‖x − Φz‖² + hinge + λ‖z‖₁, z ≥ 0."
    g = D.encode(x - D.decode(z, x.shape[-2:])) - (variance_hinge_grad(z, floor, beta, eps=floor / 100) if beta else 0)
    on = z != 0
    assert on.any() and (~on).any()
    return float(max((g[on] - lam).abs().max(), (g[~on] - lam).clamp_min(0).max()))


def test_vdl_codes_are_stationary():
    "β = 0: the LASSO's conditions; β > 0: those of the objective with the hinge (and not the LASSO's)."
    D = ConvDictionary.random(8, 1, 5, 2, seed=1).double()
    x = torch.randn(4, 1, 13, 12, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    for beta in (0., 5.):
        z = vdl_codes(x, D, 0.3, beta=beta, floor=1., iters=800, tol=1e-13)
        assert _violation(D, x, z, 0.3, beta, 1.) < 1e-3
    assert _violation(D, x, z, 0.3, 0., 1.) > 1e-2


def test_vdl_codes_and_step(tiles):
    D = ConvDictionary.random(8, 3, 5, 2, seed=0)
    x = CIFAR10_NORM(tiles[:8])
    z0, z1 = vdl_codes(x, D, 0.2, beta=0.), vdl_codes(x, D, 0.2, beta=1e4, floor=1.)
    assert variance_hinge(z1, 1.) < variance_hinge(z0, 1.)
    D2 = copy.deepcopy(D)
    s = vdl_dictionary_step(x, D2, 0.2, beta=10., floor=0.5, iters=30, eta=0.05)
    assert not torch.equal(D2.weight, D.weight) and abs(s['atom_norm'] - 1) > 1e-4  # atoms are not renormalised
    Dv = train_dictionary_vdl(tiles[:16], n_atoms=6, kernel_size=5, epochs=1, batch_size=8, iters=10)
    assert len(Dv.meta['history']) == 2 and Dv.weight.shape == (6, 3, 5, 5) and Dv.meta['floor'] == 0.1


def test_psnr_l0_curve_is_scale_invariant(tiles):
    "An atom of norm c at λ is a unit atom at λ/c: scaling every atom by 2 leaves the curve unchanged."
    D = ConvDictionary.random(6, 3, 5, 2, seed=2).double()
    x = CIFAR10_NORM(tiles[:4]).double()
    a, b = psnr_l0_curve(x, D, (0.1, 0.4), iters=30), psnr_l0_curve(x, ConvDictionary(2 * D.weight.detach(), 2), (0.1, 0.4), iters=30)
    assert a['l0'] == b['l0'] and max(abs(p - q) for p, q in zip(a['psnr'], b['psnr'])) < 1e-6
    assert b['lam'] == [2 * v for v in a['lam']]


def test_compare_dictionary_learning_tiny(tiles):
    r = compare_dictionary_learning(tiles[:16], tiles[48:52], n_atoms=6, kernel_size=5, epochs=1, batch_size=8, iters=10,
                                    eval_lams=(0.05, 0.2, 0.8), eval_iters=20, n_levels=3)
    assert set(r['curves']) == {'initial', 'sdl', 'vdl'}
    torch.testing.assert_close(r['dictionaries']['sdl'].weight.detach().flatten(1).norm(dim=1), torch.ones(6), atol=1e-5, rtol=0)
    for c in r['curves'].values(): assert len(c['l0']) == 3 and c['l0'][0] >= c['l0'][-1]
    assert all(len(v) == len(r['l0_levels']) for v in r['psnr_at_l0'].values())
    assert r['settings']['floor'] == 0.1 and 'T' not in r['settings']
