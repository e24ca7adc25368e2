"Fixtures shared by the test files: a tiny random dictionary and the LCA states of 40 small photo tiles under it."
import pytest
from warp_lca.data import photo_tiles
from warp_lca.dictionary import ConvDictionary


@pytest.fixture(scope='module')
def dic():
    return ConvDictionary.random(8, 3, 5, 2, seed=0)


@pytest.fixture(scope='module')
def ds(dic, request):
    "States of 40 16×16 tiles at λ 0.1 and 0.3, made by the solver of the module's `SOLVER` (default: τ 10, the library's momentum)."
    from warp_lca.train_predictor import lca_states_dataset
    imgs = photo_tiles()[:40, :, :16, :16]
    return lca_states_dataset(imgs, dic, (0.1, 0.3), iters=100, **getattr(request.module, 'SOLVER', dict(tau=10)))
