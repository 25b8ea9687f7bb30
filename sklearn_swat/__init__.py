"""sklearn-swat: small sparse neural networks found in a latent space of networks."""

from ._darts_admm import DARTSADMMRegressor
from ._network import ACTIVATIONS, SparseMLP

__version__ = "0.1.0"

__all__ = ["ACTIVATIONS", "SparseMLP", "__version__"]
__all__ += ["DARTSADMMRegressor"]
