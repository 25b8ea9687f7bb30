"""sklearn-swat: small sparse neural networks found in a latent space of networks."""

from ._network import ACTIVATIONS, SparseMLP

__version__ = "0.1.0"

__all__ = ["ACTIVATIONS", "SparseMLP", "__version__"]
