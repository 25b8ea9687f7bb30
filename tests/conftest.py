"""Shared test settings: one torch thread, and the opt-in ``slow`` marker."""

import os

import pytest
import torch


def pytest_configure(config):
    # Tests run many tiny fits: one thread each avoids oversubscribing the
    # 2-core CI machine (skorch's tests do the same).
    torch.set_num_threads(1)


def pytest_collection_modifyitems(config, items):
    if os.environ.get("SKLEARN_SWAT_RUN_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow test: set SKLEARN_SWAT_RUN_SLOW=1 to run it")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
