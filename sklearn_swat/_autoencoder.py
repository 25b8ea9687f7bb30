"""The multi-scale autoencoder of DESIGN section 4, sized for a CPU."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import torch
from torch import nn

from ._base import typed_field
from ._encoding import N_ACT, Layout, NetworkBatch, canonicalize, n_columns, parse_matrix
from ._network import MAX_DEPTH


@dataclass(frozen=True)
class AutoencoderConfig:
    """Sizes of a :class:`MultiScaleAutoencoder`.

    Parameters
    ----------
    width : int, default=7
        Neurons per hidden layer ``W``, at least 2 (and the most inputs).
    max_inputs : int, default=2
        Number of inputs the zoo draws (at most ``width``).
    variable_inputs : bool, default=False
        Whether the zoo draws each network's input count in ``1..max_inputs``.
    d_model : int, default=64
        Token size; the latent code is ``width x d_model``.
    n_heads : int, default=4
        Attention heads.
    encoder_layers : int, default=3
        Transformer layers of the encoder.
    decoder_layers : int, default=2
        Transformer layers of each of the four decoders.
    dim_feedforward : int, default=128
        Hidden size of the transformer's feed-forward blocks.
    weight_scale : float, default=5.0
        Weights are divided by this before the encoder and the decoders'
        weight outputs multiplied by it.
    """

    width: int = 7
    max_inputs: int = 2
    variable_inputs: bool = False
    d_model: int = 64
    n_heads: int = 4
    encoder_layers: int = 3
    decoder_layers: int = 2
    dim_feedforward: int = 128
    weight_scale: float = 5.0

    def __post_init__(self):
        # Types first: a checkpoint's JSON description is read into this, and a
        # 3.0 or a "no" would otherwise fail later and obscurely (or not at all).
        for f in fields(self):
            value = typed_field(f"autoencoder config {f.name}", f.type, getattr(self, f.name))
            object.__setattr__(self, f.name, value)
        for name in ("d_model", "n_heads", "dim_feedforward"):
            if not getattr(self, name) >= 1:
                raise ValueError(f"{name} must be at least 1; got {getattr(self, name)}.")
        if not self.width >= 2:
            # The search's penalty takes the spread of each layer's gates: of one
            # neuron it is NaN, and every descent step would be lost.
            raise ValueError(f"width must be at least 2 (neurons per layer); got {self.width}.")
        if not 1 <= self.max_inputs <= self.width:
            raise ValueError(f"max_inputs must be in 1..width (1..{self.width}); got {self.max_inputs}.")
        if self.d_model % self.n_heads:
            raise ValueError("d_model must be a multiple of n_heads.")
        for name in ("encoder_layers", "decoder_layers"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be at least 0; got {getattr(self, name)}.")
        if not 0 < self.weight_scale < float("inf"):
            raise ValueError(f"weight_scale must be a finite number greater than 0; got {self.weight_scale}.")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> AutoencoderConfig:
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"Unknown autoencoder config keys: {sorted(unknown)}.")
        # Every key: a missing one would silently take its default, another
        # architecture than the weights were trained with.
        missing = sorted(known - set(d))
        if missing:
            raise ValueError(f"The autoencoder config lacks the keys {missing}.")
        return cls(**d)


class _Block(nn.Module):
    """Pre-norm transformer block.

    Written out because torch's fused attention is slow on a CPU for
    sequences this short (``W`` tokens): two einsums do the job faster.
    """

    def __init__(self, d: int, n_heads: int, dim_feedforward: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        f32 = {"dtype": torch.float32}
        self.ln1 = nn.LayerNorm(d, **f32)
        self.qkv = nn.Linear(d, 3 * d, **f32)
        self.proj = nn.Linear(d, d, **f32)
        self.ln2 = nn.LayerNorm(d, **f32)
        self.ff1 = nn.Linear(d, dim_feedforward, **f32)
        self.ff2 = nn.Linear(dim_feedforward, d, **f32)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, d = x.shape
        H = self.n_heads
        q, k, v = self.qkv(self.ln1(x)).view(B, T, 3, H, d // H).unbind(2)
        att = torch.einsum("bthe,bshe->bhts", q, k) * (d // H) ** -0.5
        o = torch.einsum("bhts,bshe->bthe", att.softmax(-1), v).reshape(B, T, d)
        x = x + self.proj(o)
        return x + self.ff2(torch.nn.functional.gelu(self.ff1(self.ln2(x))))


def _transformer(cfg: AutoencoderConfig, n_layers: int) -> nn.Sequential:
    return nn.Sequential(
        *[_Block(cfg.d_model, cfg.n_heads, cfg.dim_feedforward) for _ in range(n_layers)]
    )


class MultiScaleAutoencoder(nn.Module):
    """Encoder of network matrices and four decoders, one per depth.

    The encoder reads the canonicalised ``W x C x 2`` matrix (values, mask):
    each row becomes a token, a learned position embedding is added and a
    transformer mixes the tokens; a parameter-free layer norm makes every
    latent token zero-mean and unit-variance, so the latent space has the
    scale of a standard normal draw. Decoder ``k`` is a transformer over the
    ``W`` latent tokens with a linear head emitting the depth-``k`` layout.

    Parameters
    ----------
    config : AutoencoderConfig
        Its sizes; the weights are drawn from torch's global generator, in
        float32 whatever torch's default dtype.
    """

    def __init__(self, config: AutoencoderConfig) -> None:
        super().__init__()
        self.config = config
        W, d = config.width, config.d_model
        self.n_cols = n_columns(W, MAX_DEPTH)
        f32 = {"dtype": torch.float32}
        self.embed = nn.Linear(2 * self.n_cols, d, **f32)
        self.enc_pos = nn.Parameter(torch.randn(W, d, **f32) * 0.02)
        self.encoder = _transformer(config, config.encoder_layers)
        self.enc_norm = nn.LayerNorm(d, **f32)
        self.latent_norm = nn.LayerNorm(d, elementwise_affine=False, **f32)
        self.dec_pos = nn.ParameterList(
            [nn.Parameter(torch.randn(W, d, **f32) * 0.02) for _ in range(MAX_DEPTH)]
        )
        self.decoders = nn.ModuleList(
            [_transformer(config, config.decoder_layers) for _ in range(MAX_DEPTH)]
        )
        self.dec_norms = nn.ModuleList([nn.LayerNorm(d, **f32) for _ in range(MAX_DEPTH)])
        self.heads = nn.ModuleList(
            [nn.Linear(d, n_columns(W, k), **f32) for k in range(1, MAX_DEPTH + 1)]
        )

    @property
    def latent_shape(self) -> tuple[int, int]:
        """Shape of one latent code, ``(width, d_model)``."""
        return (self.config.width, self.config.d_model)

    def prepare(self, networks: NetworkBatch) -> tuple[torch.Tensor, torch.Tensor]:
        """Canonical, scaled ``(values, mask)`` matrices in the 4-layer layout."""
        values, mask = canonicalize(networks).to_matrix(slots=MAX_DEPTH)
        scale = torch.ones(self.n_cols, dtype=values.dtype, device=values.device)
        lay = Layout(self.config.width, MAX_DEPTH)
        for layer in range(MAX_DEPTH + 1):
            c = lay.weight(layer)
            scale[c : c + self.config.width] = 1.0 / self.config.weight_scale
        return values * scale, mask

    def encode_matrix(self, values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Latent codes of shape ``(B, W, d_model)`` from prepared matrices."""
        tokens = self.embed(torch.cat([values * mask, mask], dim=-1)) + self.enc_pos
        return self.latent_norm(self.enc_norm(self.encoder(tokens)))

    def encode(self, networks: NetworkBatch) -> torch.Tensor:
        """Latent codes of shape ``(B, W, d_model)`` of a batch of networks."""
        return self.encode_matrix(*self.prepare(networks))

    def decode(self, z: torch.Tensor, depth: int) -> dict:
        """Raw network tensors of depth ``depth`` (see :func:`parse_matrix`)."""
        i = depth - 1
        h = self.dec_norms[i](self.decoders[i](z + self.dec_pos[i]))
        return parse_matrix(self.heads[i](h), depth, self.config.weight_scale)


def soft_network(raw: dict, in_mask: torch.Tensor, temperature: float = 1.0) -> NetworkBatch:
    """A differentiable network from a decoder's raw output.

    Activations are ``softmax(logits / temperature)`` and gates
    ``sigmoid(logit)``.
    """
    B, k, W = raw["biases"].shape
    weights = raw["weights"].clone()
    weights[:, 0] = weights[:, 0] * in_mask[:, :, None]
    return NetworkBatch(
        weights=weights,
        biases=raw["biases"],
        act=torch.softmax(raw["act_logits"] / temperature, dim=-1),
        gates=torch.sigmoid(raw["gate_logits"]),
        out_w=raw["out_w"],
        out_b=raw["out_b"],
        in_mask=in_mask,
        unit_mask=torch.ones(B, k, W, dtype=weights.dtype, device=weights.device),
    )


def hard_network(raw: dict, in_mask: torch.Tensor) -> NetworkBatch:
    """The network a decoder's raw output stands for: argmax activations, gates >= 0.5."""
    net = soft_network(raw, in_mask)
    act = torch.nn.functional.one_hot(raw["act_logits"].argmax(-1), N_ACT).to(net.weights.dtype)
    gates = (raw["gate_logits"] >= 0).to(net.weights.dtype)
    return NetworkBatch(
        net.weights, net.biases, act, gates, net.out_w, net.out_b, in_mask, net.unit_mask
    )
