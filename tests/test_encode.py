"Encoding: torchrun with 2 CPU processes gives the same shards as 1 process; kill -9 mid-run then resume."
import os, signal, subprocess, sys, time
from pathlib import Path
import pytest, torch
from safetensors.torch import load_file

SCRIPT = r'''
import sys, torch
torch.set_num_threads(1)
from warp_lca.data import photo_tiles
from warp_lca.dictionary import ConvDictionary
from warp_lca.encode import encode_dataset
out, n, iters = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
encode_dataset(photo_tiles()[:n], ConvDictionary.random(16, seed=0), [0.1, 0.3], out, iters=iters, shard_size=4,
               batch_size=4, dataset='photos', progress=False)
'''

def _run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=240, **kw)

def test_torchrun_two_processes_match_one(tmp_path):
    script = tmp_path / 'enc.py'; script.write_text(SCRIPT)
    one, two = tmp_path / 'one', tmp_path / 'two'
    r1 = _run([sys.executable, str(script), str(one), '16', '20'])
    assert r1.returncode == 0, r1.stderr
    env = dict(os.environ, OMP_NUM_THREADS='1')
    r2 = _run([sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', '2', '--master_port', '29517', str(script), str(two), '16', '20'], env=env)
    assert r2.returncode == 0, r2.stderr[-3000:]
    f1, f2 = sorted(p.name for p in one.glob('shard_*')), sorted(p.name for p in two.glob('shard_*'))
    assert f1 == f2 and len(f1) == 8
    for name in f1:
        a, b = load_file(str(one / name)), load_file(str(two / name))
        assert torch.equal(a['index'], b['index'])
        torch.testing.assert_close(a['u'].float(), b['u'].float(), atol=2e-3, rtol=1e-3)

def test_kill9_then_resume(tmp_path):
    script = tmp_path / 'enc.py'; script.write_text(SCRIPT)
    out = tmp_path / 'enc'
    p = subprocess.Popen([sys.executable, str(script), str(out), '24', '400'])
    t0 = time.time()
    while time.time() - t0 < 120 and len(list(out.glob('shard_*'))) < 2: time.sleep(0.2)
    os.kill(p.pid, signal.SIGKILL); p.wait()
    done = {q.name: q.stat().st_mtime_ns for q in out.glob('shard_*')}
    assert 2 <= len(done) < 12, done
    r = _run([sys.executable, str(script), str(out), '24', '400'])
    assert r.returncode == 0, r.stderr
    after = {q.name: q.stat().st_mtime_ns for q in out.glob('shard_*')}
    assert len(after) == 12
    assert all(after[k] == v for k, v in done.items())  # finished shards were not recomputed
    from warp_lca.encode import EncodedDataset
    ds = EncodedDataset(out)
    assert len(ds) == 48
