"""sklearn-swat: small sparse neural networks found in a latent space of networks."""

from ._checkpoints import CheckpointError, list_checkpoints, load_autoencoder
from ._darts_admm import DARTSADMMRegressor
from ._network import ACTIVATIONS, SparseMLP
from ._swat import SWATRegressor

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS",
    "CheckpointError",
    "DARTSADMMRegressor",
    "SWATRegressor",
    "SparseMLP",
    "__version__",
    "list_checkpoints",
    "load_autoencoder",
]
