"""The warm-up screen's patch: with SWAT_WARMUP=W set and this folder on PYTHONPATH, every
``torch.optim.Adam`` (the latent descent's is the only one a default fit makes) raises its
rates linearly over its first W steps, step k at (k + 1) / W of the rate. Used as::

    SWAT_WARMUP=20 PYTHONPATH=docs/benchmarks/checkpoints/descent_warmup \\
        python benchmarks/bench_general.py --out OUT --estimators swat --seeds 0 1 2 --n-jobs 2
"""

import os

if os.environ.get("SWAT_WARMUP"):
    import torch

    W = int(os.environ["SWAT_WARMUP"])
    Base = torch.optim.Adam

    class WarmAdam(Base):
        def __init__(self, groups, **kw):
            super().__init__(groups, **kw)
            self._base = [g["lr"] for g in self.param_groups]
            self._k = 0

        def step(self, closure=None):
            f = min(1.0, (self._k + 1) / W) if W > 0 else 1.0
            for g, b in zip(self.param_groups, self._base):
                g["lr"] = b * f
            self._k += 1
            return super().step(closure)

    torch.optim.Adam = WarmAdam
