"Core properties checked with hypothesis: adjointness of the operator, thresholds as proxes, LCA input validation."
import math, warnings
import pytest, torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st
from warp_lca.dictionary import ConvDictionary
from warp_lca.lca import lca, DivergenceError
from warp_lca.thresholds import soft, hard, cel0, half, generalized, penalty, prox_bruteforce

@settings(max_examples=40, deadline=None)
@given(M=st.integers(1, 6), C=st.integers(1, 3), k=st.sampled_from([1, 3, 5, 7, 9]), s=st.integers(1, 3),
       H=st.integers(9, 23), W=st.integers(9, 23), B=st.integers(1, 2), seed=st.integers(0, 10_000))
def test_decode_is_exact_adjoint_of_encode(M, C, k, s, H, W, B, seed):
    g = torch.Generator().manual_seed(seed)
    D = ConvDictionary(torch.randn(M, C, k, k, generator=g, dtype=torch.float64), stride=s)
    x = torch.randn(B, C, H, W, generator=g, dtype=torch.float64)
    a = torch.randn(B, M, *D.code_size((H, W)), generator=g, dtype=torch.float64)
    with torch.no_grad():
        lhs = (D.decode(a, (H, W)) * x).sum()
        rhs = (a * D.encode(x)).sum()
    assert math.isclose(float(lhs), float(rhs), rel_tol=1e-9, abs_tol=1e-9)
    # and encode is the textbook strided 'same' correlation
    ref = F.conv2d(x, D.weight.detach(), stride=s, padding=(k - 1) // 2)
    torch.testing.assert_close(D.encode(x), ref)

@settings(max_examples=30, deadline=None)
@given(lam=st.floats(0.05, 2.0), nonneg=st.booleans(), name=st.sampled_from(['soft', 'hard', 'cel0', 'half']))
def test_thresholds_are_proxes_of_their_penalties(lam, nonneg, name):
    threshold = dict(soft=soft, hard=hard, cel0=cel0, half=half)[name]
    u = torch.linspace(-5, 5, 101, dtype=torch.float64)
    ref, got = prox_bruteforce(u, penalty(name), lam, nonneg, n=40001), threshold(u, lam, nonneg=nonneg)
    obj = lambda a: 0.5 * (a - u) ** 2 + penalty(name)(a, lam)
    assert (obj(got) <= obj(ref) + 1e-6).all()  # never worse than the grid minimiser
    assert ((got - ref).abs() < 1e-3).float().mean() > 0.97  # and equal to it except at ties

def test_generalized_limits():
    u = torch.tensor([-2., 0.5, 1.5, 3.])
    torch.testing.assert_close(generalized(u, 1., gamma=1e5), hard(u, 1.))
    torch.testing.assert_close(generalized(u, 1., alpha=1., gamma=1e5), soft(u, 1.))

def test_lca_rejects_bad_input():
    D = ConvDictionary.random(8, seed=0); x = torch.randn(1, 3, 16, 16)
    cases = [(dict(x=x[0]), 'dims'), (dict(x=x[:, :2]), 'channels'), (dict(x=x * math.inf), 'infinite'),
             (dict(lam=-1.), 'lam'), (dict(tau=0.2), 'tau'), (dict(iters=-3), 'iters'), (dict(x=x[..., :5, :5]), 'kernel'),
             (dict(u0=torch.zeros(1, 8, 4, 4)), 'u0')]
    for kw, word in cases:
        args = dict(x=x, lam=0.1) | kw
        with pytest.raises((ValueError, TypeError), match=word):
            lca(args.pop('x'), D, args.pop('lam'), iters=2, **args)

def test_lca_device_mismatch_is_named():
    if not torch.cuda.is_available(): pytest.skip('needs CUDA: the device-mismatch check compares devices')
    D = ConvDictionary.random(8, seed=0)
    with pytest.raises(ValueError, match='device|cuda'):
        lca(torch.randn(1, 3, 16, 16, device='cuda'), D, 0.1, iters=1)

def test_meta_device_mismatch_is_named():
    "The same check without a GPU: a dictionary on the meta device."
    D = ConvDictionary.random(8, seed=0).to('meta')
    with pytest.raises(ValueError, match='on cpu but the dictionary is on meta'):
        lca(torch.randn(1, 3, 16, 16), D, 0.1, iters=1, warn=False)

def test_divergence_is_an_error_that_suggests_tau():
    D = ConvDictionary(ConvDictionary.random(50, seed=0).weight.data * 6)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        with pytest.raises(DivergenceError, match='larger tau'):
            lca(torch.randn(2, 3, 32, 32), D, 0.01, tau=20, iters=400)
