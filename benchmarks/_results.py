"Shared by the benchmark scripts: write JSON results, small HTML pages, and replace this script's section of benchmarks/RESULTS.md."
import json, platform, re, time
from pathlib import Path
import torch

HERE = Path(__file__).resolve().parent
RESULTS = HERE / 'RESULTS.md'

def machine() -> str:
    cpu = next((l.split(':', 1)[1].strip() for l in Path('/proc/cpuinfo').read_text().splitlines() if l.startswith('model name')), platform.processor()) if Path('/proc/cpuinfo').exists() else platform.processor()
    return f"{cpu}; torch {torch.__version__}; {torch.get_num_threads()} threads; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"

def write_json(name: str, data: dict) -> Path:
    p = HERE / 'results' / f'{name}.json'; p.parent.mkdir(exist_ok=True)
    p.write_text(json.dumps(data, indent=1)); return p

def update_section(name: str, markdown: str, path=None, head: str | None = None):
    """Replace the block between <!-- name:start --> and <!-- name:end --> of `path` (default: RESULTS.md; appended when absent).
    `head`: the file's own header, rewritten above its first section every time (default: RESULTS.md's, written only for a new file)."""
    path = Path(path or RESULTS)
    text = path.read_text() if path.exists() else (head or "# Benchmark results\n\nEvery section is written by the script it names; nothing here is typed by hand.\n")
    if head is not None and '<!--' in text: text = head + text[text.index('<!--'):]
    block = f"<!-- {name}:start -->\n{markdown.strip()}\n<!-- {name}:end -->"
    pat = re.compile(rf"<!-- {re.escape(name)}:start -->.*?<!-- {re.escape(name)}:end -->", re.S)
    text = pat.sub(lambda m: block, text) if pat.search(text) else text.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True); path.write_text(text)

def write_html(name: str, parts, title: str | None = None, folder=None) -> Path:
    """Write `<folder>/<name>.html` (default folder: benchmarks/results) from plotly figures and HTML strings.
    plotly.js goes once into that folder as plotly.min.js (git-ignored; without it the page loads plotly from its CDN):
    see `warp_lca.reports.write_html`. Downsample images first (`warp_lca.reports.image_data_uri`, `downsample`)."""
    from warp_lca.reports import write_html as _write_html
    return _write_html(Path(folder or HERE / 'results') / f'{name}.html', parts, title=title or name)


def shipped_starters(versions) -> dict:
    "name -> starter of the shipped WARP models `versions` (each once, in order), named by version and class: 'WARP v1 (FeedForwardStarter)'."
    from warp_lca.pretrained import cifar10_warp
    sts = {v: cifar10_warp(version=v).starter for v in sorted(set(versions))}
    return {f'WARP {v} ({type(st).__name__})': st for v, st in sts.items()}


def seconds_per_iter(x, dictionary, lam, solvers: dict, batch_size: int = 250, repeats: int = 3, iters: int = 30) -> dict:
    """solver -> untraced seconds per iteration over the whole set `x` (timed on its first batch, scaled), the solvers
    (name -> `Method`) timed interleaved so that machine load hits each alike, best of `repeats`."""
    import math
    from warp_lca.evaluate import time_run
    sub, scale = (x, 1.) if isinstance(x, list) else (x[:batch_size], len(x) / min(len(x), batch_size))
    best = {s: math.inf for s in solvers}
    for _ in range(repeats):
        for s, meth in solvers.items():
            best[s] = min(best[s], time_run(sub, dictionary, lam, meth, iters=iters, batch_size=batch_size)['solver_seconds_per_iter'] * scale)
    return best


def start_seconds(x, dictionary, lam, starter, batch_size: int = 250, repeats: int = 3) -> float:
    "Seconds of `starter`'s forward pass over the whole set `x`, best of `repeats`."
    from warp_lca.evaluate import Method, time_run
    return time_run(x, dictionary, lam, Method('lca', starter), iters=0, batch_size=batch_size, repeats=repeats)['start_seconds']
