#!/usr/bin/env python3
"""PyTorch twin of srcascade's default SR3 UNet (sr3/unet.go, sr3/layers.go),
used only to measure the reference speed on the same CPU. Not a dependency
of the project: the Go code never calls it.

usage: OMP_WAIT_POLICY=PASSIVE python3 scripts/reference/sr3_unet_torch.py [--scale 4]
       [--batch 8] [--patch 64] [--base 64] [--mults 1,2,2] [--res 1] [--attn 2]
       [--groups 16] [--act silu|relu|hardswish] [--threads 2] [--iters 10]
Prints training patches/s and patches per CPU-second (forward + backward + Adam)
and sampling seconds and CPU-seconds per output megapixel per UNet evaluation.
CPU seconds are the process's (time.process_time): compare them, not wall time,
on a shared machine. Without OMP_WAIT_POLICY=PASSIVE, OpenMP's spinning threads
make PyTorch collapse as soon as anything else runs.
"""
import argparse, math, time
import torch
import torch.nn as nn
import torch.nn.functional as F


def space_to_depth(x, r):  # NCHW; channel order (dy, dx, c) as in the Go code
    n, c, h, w = x.shape
    x = x.view(n, c, h // r, r, w // r, r).permute(0, 3, 5, 1, 2, 4)
    return x.reshape(n, r * r * c, h // r, w // r)


def depth_to_space(x, r):
    n, rrc, h, w = x.shape
    c = rrc // (r * r)
    x = x.view(n, r, r, c, h, w).permute(0, 3, 4, 1, 5, 2)
    return x.reshape(n, c, h * r, w * r)


ACT = F.silu  # set by --act: the Go config's "activation"


def act(x):
    return ACT(x)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, emb, groups):
        super().__init__()
        self.n1, self.c1 = nn.GroupNorm(groups, cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.n2, self.c2 = nn.GroupNorm(groups, cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.film = nn.Linear(emb, 2 * cout)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, e):
        h = self.c1(act(self.n1(x)))
        s, b = self.film(act(e)).chunk(2, 1)
        h = self.n2(h) * (1 + s[:, :, None, None]) + b[:, :, None, None]
        return self.skip(x) + self.c2(act(h))


class Attn(nn.Module):
    def __init__(self, c, groups):
        super().__init__()
        self.n = nn.GroupNorm(groups, c)
        self.q, self.k, self.v, self.p = (nn.Conv2d(c, c, 1) for _ in range(4))

    def forward(self, x):
        n, c, h, w = x.shape
        y = self.n(x)
        q, k, v = (m(y).flatten(2) for m in (self.q, self.k, self.v))
        a = torch.softmax(torch.einsum("bcq,bck->bqk", q, k) / math.sqrt(c), -1)
        return x + self.p(torch.einsum("bqk,bck->bcq", a, v).view(n, c, h, w))


class UNet(nn.Module):
    def __init__(self, scale, base, mults, res, attn, groups=16, ch=3):
        super().__init__()
        self.scale, self.base = scale, base
        cin = 2 * ch * scale * scale
        emb = 4 * base
        self.emb1, self.emb2 = nn.Linear(base, emb), nn.Linear(emb, emb)
        self.inp = nn.Conv2d(cin, base, 3, padding=1)
        self.down, chans, c = nn.ModuleList(), [base], base
        for lvl, m in enumerate(mults):
            for _ in range(res):
                self.down.append(nn.ModuleList([ResBlock(c, base * m, emb, groups)] +
                                               ([Attn(base * m, groups)] if lvl in attn else [])))
                c = base * m
                chans.append(c)
            if lvl != len(mults) - 1:
                self.down.append(nn.Conv2d(4 * c, c, 1))
                chans.append(c)
        self.mid1, self.mid2 = ResBlock(c, c, emb, groups), ResBlock(c, c, emb, groups)
        self.mida = Attn(c, groups) if len(mults) - 1 in attn else nn.Identity()
        self.up = nn.ModuleList()
        for lvl in reversed(range(len(mults))):
            for _ in range(res + 1):
                sc = chans.pop()
                self.up.append(nn.ModuleList([ResBlock(c + sc, base * mults[lvl], emb, groups)] +
                                             ([Attn(base * mults[lvl], groups)] if lvl in attn else [])))
                c = base * mults[lvl]
            if lvl != 0:
                self.up.append(nn.Conv2d(c, c, 3, padding=1))
        self.out_norm, self.out = nn.GroupNorm(groups, c), nn.Conv2d(c, ch * scale * scale, 3, padding=1)

    def forward(self, noisy, cond, level):
        half = self.base // 2
        f = 1000 * torch.exp(-math.log(10000) * torch.arange(half) / half)
        a = level[:, None] * f[None]
        e = self.emb2(act(self.emb1(torch.cat([a.sin(), a.cos()], 1))))
        h = self.inp(space_to_depth(torch.cat([noisy, cond], 1), self.scale))
        skips = [h]
        for m in self.down:
            if isinstance(m, nn.Conv2d):
                h = m(space_to_depth(h, 2))
            else:
                h = m[0](h, e)
                for a in m[1:]:
                    h = a(h)
            skips.append(h)
        h = self.mid2(self.mida(self.mid1(h, e)), e)
        for m in self.up:
            if isinstance(m, nn.Conv2d):
                h = m(F.interpolate(h, scale_factor=2, mode="nearest"))
            else:
                h = m[0](torch.cat([h, skips.pop()], 1), e)
                for a in m[1:]:
                    h = a(h)
        return depth_to_space(self.out(act(self.out_norm(h))), self.scale)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--scale", type=int, default=4)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--patch", type=int, default=64)
    p.add_argument("--base", type=int, default=64)
    p.add_argument("--mults", default="1,2,2")
    p.add_argument("--res", type=int, default=1)
    p.add_argument("--attn", default="2")
    p.add_argument("--groups", type=int, default=16)
    p.add_argument("--act", default="silu", choices=["silu", "relu", "hardswish"])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--sample-size", type=int, default=256, help="HR side of the sampling benchmark")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    global ACT
    ACT = {"silu": F.silu, "relu": F.relu, "hardswish": F.hardswish}[a.act]
    mults = [int(m) for m in a.mults.split(",")]
    attn = [int(m) for m in a.attn.split(",") if m]
    net = UNet(a.scale, a.base, mults, a.res, attn, a.groups)
    params = sum(p.numel() for p in net.parameters())
    opt = torch.optim.Adam(net.parameters(), 1e-4)
    x = torch.randn(a.batch, 3, a.patch, a.patch)
    c = torch.randn_like(x)
    lv = torch.rand(a.batch)
    for i in range(a.iters + 2):
        if i == 2:
            t0, c0 = time.perf_counter(), time.process_time()
        loss = (net(x, c, lv) - x).abs().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    dt = (time.perf_counter() - t0) / a.iters
    dc = (time.process_time() - c0) / a.iters
    print(f"params {params}  train: {a.batch / dt:.2f} patches/s, {a.batch / dc:.2f} patches/CPU-s "
          f"({dt * 1000:.0f} ms/step, batch {a.batch}, patch {a.patch}, act {a.act})")
    s = a.sample_size
    x = torch.randn(1, 3, s, s)
    with torch.no_grad():
        for i in range(a.iters + 1):
            if i == 1:
                t0, c0 = time.perf_counter(), time.process_time()
            net(x, x, torch.rand(1))
    dt = (time.perf_counter() - t0) / a.iters
    dc = (time.process_time() - c0) / a.iters
    mp = s * s / 1e6
    print(f"sample: {dt:.3f} s per UNet evaluation at {s}x{s} HR = {dt / mp:.2f} s, {dc / mp:.2f} CPU-s per output MP per step")


if __name__ == "__main__":
    main()
