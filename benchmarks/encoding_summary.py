"""Summary of a `warp-lca encode` folder (the training data of the predictor) → benchmarks/RESULTS.md.

The encodings themselves are large and stay out of git; this records what they hold, what they cost and the command that
re-creates them (built from the folder's manifest):

    warp-lca encode --data cifar10-train --n-images 10240 --lams 0.1,0.15,0.2,0.3,0.5,0.85 --out runs/cifar10_enc --threads 1
    python benchmarks/encoding_summary.py [--path runs/cifar10_enc]

Cost: the wall-clock from the manifest's creation to the newest shard (a lower bound of the work if the encoding was
resumed after a pause; the machine's other jobs are not subtracted).
"""
import argparse, json
from collections import defaultdict
from pathlib import Path
from _results import HERE, machine, write_json, update_section
from warp_lca.encode import read_manifest, shard_summaries
from warp_lca.evaluate import dictionary_hash
from warp_lca.pretrained import cifar10_dictionary

def _shown(path)->str:
    "The folder relative to the repository when it lies inside it (as the command is run from there)."
    p, root = Path(path).resolve(), HERE.parent.resolve()
    return str(p.relative_to(root)) if p.is_relative_to(root) else str(path)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--path', default=str(HERE.parent / 'runs' / 'cifar10_enc'))
    a = ap.parse_args()
    m, shards = read_manifest(a.path), shard_summaries(a.path)
    by = defaultdict(list)
    for s in shards: by[s['lam']].append(s)
    size = sum(p.stat().st_size for p in Path(a.path).glob('shard_*.safetensors'))
    rows = {}
    for lam, ss in sorted(by.items()):
        keys = [k for k in ss[0] if k not in ('file', 'lam')]
        rows[lam] = dict(shards=len(ss), **{k: sum(s[k] for s in ss) / len(ss) for k in keys})  # shards hold equal image counts
    expected = -(-m['n_images'] // m['shard_size']) * len(m['lams'])
    data = dict(manifest=m, complete_shards=len(shards), expected_shards=expected, bytes=size, rows={str(k): v for k, v in rows.items()}, machine=machine())
    files = sorted(Path(a.path).glob('shard_*.safetensors'), key=lambda p: p.stat().st_mtime)
    data['wall_hours'] = (files[-1].stat().st_mtime - (Path(a.path) / 'manifest.json').stat().st_mtime) / 3600 if files else None
    write_json('encoding_summary', data)
    solver = f"accelerated LCA (β = {m['momentum']:g})" if m.get('momentum') else 'plain LCA'
    cmd = (f"warp-lca encode --data {m['dataset']} --n-images {m['n_images']} --start {m['start']} --lams {','.join(f'{l:g}' for l in m['lams'])} "
           f"--tau {m['tau']:g} --iters {m['iters']} --momentum {m.get('momentum', 0):g} --threshold {m['threshold']} --out {_shown(a.path)} --threads 1")
    L = ["## Encoded CIFAR-10 training images for the predictor (`benchmarks/encoding_summary.py`)", "",
         f"{m['n_images']} images of `{m['dataset']}` from index {m['start']}, {m['threshold']}-threshold {solver}, {m['iters']} iterations, τ = {m['tau']:g}, "
         f"dictionary {m['dictionary']} ({'the shipped one' if m['dictionary'] == dictionary_hash(cifar10_dictionary()) else 'NOT the shipped one'}), states stored as {m['dtype']} with their exact support; "
         f"{len(shards)} of {expected} shards complete, {size / 2**20:.0f} MiB on disk (kept out of git).", "",
         f"Re-create: `{cmd}` (resumable; `torchrun --nproc_per_node N --no-python warp-lca encode ...` shards it). "
         f"Cost here: {'—' if data['wall_hours'] is None else format(data['wall_hours'], '.1f')} h wall-clock, one process with one thread, sharing the 2-core machine with other jobs.", "",
         "| λ | shards | " + " | ".join(k for k in next(iter(rows.values())) if k != 'shards') + " |",
         "|---|---|" + "---|" * (len(next(iter(rows.values()))) - 1)]
    for lam, r in rows.items():
        L.append(f"| {lam} | {r['shards']} | " + " | ".join(f"{v:.4g}" for k, v in r.items() if k != 'shards') + " |")
    update_section('encoding_summary', '\n'.join(L))
    print('\n'.join(L))

if __name__ == '__main__': main()
