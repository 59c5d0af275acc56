# Native PyTorch on one thread, the core bench's workloads (bench/workloads.mjs): ms per call,
# median (minimum), for training forward, inference and backward. Its counterpart for ours,
# timed the same way (alone in its process, no floor beside it): bench/peers/ours-alone.mjs;
# run the two in turn, more than once. Not part of npm run bench:peers (Python, not npm):
#   apt-get install python3-torch      (Debian's PyTorch 1.13.1)
#   /usr/bin/python3 bench/peers/pytorch.py [NAME]      NAME: only workloads whose name holds it
# Timing: a 250 ms warm-up, samples of at least 0.5 ms, at least 15 of them over 2 s. eps 1e-7
# (the book's); NHWC is a channels_last tensor, the book's layout F.batch_norm over [32, 200704].
import platform
import statistics
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(0)
WORKLOADS = [
    ('[64, 1024]', (64, 1024), False),
    ('[1024, 4096]', (1024, 4096), False),
    ('[32, 64, 56, 56] book', (32, 64 * 56 * 56), False),
    ('[32, 64, 56, 56] NCHW', (32, 64, 56, 56), False),
    ('[32, 56, 56, 64] NHWC', (32, 64, 56, 56), True),
    ('[8192, 256]', (8192, 256), False),
]


def timed(fn, budget=2.0):
    end = time.perf_counter() + 0.25
    while time.perf_counter() < end:
        fn()
    reps = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        if time.perf_counter() - t0 >= 5e-4 or reps >= 65536:
            break
        reps *= 2
    samples = []
    end = time.perf_counter() + budget
    while time.perf_counter() < end or len(samples) < 15:
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        samples.append((time.perf_counter() - t0) / reps * 1e3)
    return statistics.median(samples), min(samples)


def main():
    only = sys.argv[1] if len(sys.argv) > 1 else None
    print(f'torch {torch.__version__}, {torch.get_num_threads()} thread, Python {platform.python_version()}')
    print('| workload | op | PyTorch ms (min) |')
    print('| --- | --- | ---: |')
    for name, shape, channels_last in WORKLOADS:
        if only and only not in name:
            continue
        fmt = torch.channels_last if channels_last else torch.contiguous_format
        x = (torch.rand(shape) * 4 - 1).contiguous(memory_format=fmt)
        dy = (torch.rand(shape) * 4 - 1).contiguous(memory_format=fmt)
        C = shape[1]
        gamma, beta = torch.rand(C) + 2, torch.rand(C)
        mean, var = torch.zeros(C), torch.ones(C)
        with torch.no_grad():
            train = timed(lambda: F.batch_norm(x, mean, var, gamma, beta, True, 0.1, 1e-7))
            infer = timed(lambda: F.batch_norm(x, mean, var, gamma, beta, False, 0.1, 1e-7))
        xg, gg, bg = x.clone().requires_grad_(), gamma.clone().requires_grad_(), beta.clone().requires_grad_()
        y = F.batch_norm(xg, mean, var, gg, bg, True, 0.1, 1e-7)
        backward = timed(lambda: torch.autograd.grad(y, (xg, gg, bg), dy, retain_graph=True))
        for op, (med, low) in (('train', train), ('infer', infer), ('backward', backward)):
            print(f'| {name} | {op} | {med:.4f} ({low:.4f}) |')


main()
