"""Draw docs/_static/method.png, the diagram of the user guide: ``python docs/_scripts/method_diagram.py``."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

OUT = Path(__file__).parents[1] / "_static" / "method.png"

BLUE, ORANGE, GREEN, GREY = "#dbe9f6", "#fde3c8", "#dcf0d5", "#eeeeee"


def box(ax, x, y, w, h, text, color, bold=False):
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                facecolor=color, edgecolor="#444444", lw=1.0))
    ax.text(x, y, text, ha="center", va="center", fontsize=9.5, weight="bold" if bold else "normal",
            linespacing=1.35)


def arrow(ax, start, end, text=None, offset=(0, 0.16), rad=0.0, color="#333333", style="-|>"):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=14, lw=1.3, color=color,
                                 connectionstyle=f"arc3,rad={rad}", shrinkA=2, shrinkB=2))
    if text:
        mx, my = (start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1]
        ax.text(mx, my, text, ha="center", va="center", fontsize=8.5, color=color, style="italic")


def main():
    fig, ax = plt.subplots(figsize=(12, 5.6))
    ax.set_xlim(0, 12)
    ax.set_ylim(0, 5.6)
    ax.set_axis_off()

    # Once, by the project: pretraining.
    ax.text(0.15, 5.35, "1. Pretraining (once, shipped in the package)", fontsize=10.5, weight="bold")
    box(ax, 1.4, 4.55, 2.3, 0.8,
        "zoo of random small MLPs\n1-4 layers, per-neuron\nactivation and on/off gate", GREY)
    box(ax, 4.2, 4.55, 1.8, 0.8, "encoder\n(transformer)", BLUE)
    box(ax, 6.6, 4.55, 1.9, 0.8, "latent code z\n(one token per row)", BLUE, bold=True)
    box(ax, 9.2, 4.55, 2.4, 0.8, "4 decoders, one per depth\n-> a network again", BLUE)
    arrow(ax, (2.55, 4.55), (3.3, 4.55))
    arrow(ax, (5.1, 4.55), (5.65, 4.55))
    arrow(ax, (7.55, 4.55), (8.0, 4.55))
    ax.text(10.55, 4.05, "trained so the decoded network\ncomputes the same function",
            fontsize=8.5, style="italic", ha="right", va="top", color="#333333")

    # Every fit: latent descent.
    ax.text(0.15, 3.3, "2. fit(X, y): latent descent, all depths x restarts in one batch", fontsize=10.5,
            weight="bold")
    box(ax, 1.4, 2.45, 2.3, 0.9, "starting codes:\nencodings of the zoo\nnetworks that fit y best",
        ORANGE)
    box(ax, 4.5, 2.45, 2.2, 0.9, "codes z\n(depths x restarts)", ORANGE, bold=True)
    box(ax, 7.5, 2.45, 2.4, 0.9,
        "decode -> soft network:\nweights below a threshold\n~ 0, gates pushed to 0/1", ORANGE)
    box(ax, 10.45, 2.45, 2.5, 0.9,
        "loss on a batch of (X, y):\nMSE + alpha * sparsity\n+ gate and size terms", ORANGE)
    arrow(ax, (2.55, 2.45), (3.4, 2.45))
    arrow(ax, (5.6, 2.45), (6.3, 2.45))
    arrow(ax, (8.7, 2.45), (9.2, 2.45))
    arrow(ax, (10.45, 1.98), (4.9, 1.98), text="gradient with respect to z (Adam); the autoencoder is frozen",
          offset=(0, -0.5), rad=-0.12, color="#b35900")
    arrow(ax, (4.0, 1.98), (2.3, 0.78), text="after max_iter steps:\nthe best code of each candidate",
          offset=(-1.05, 0.17))

    # After the descent.
    ax.text(0.15, 1.05, "3. the fitted predictor", fontsize=10.5, weight="bold")
    box(ax, 1.9, 0.45, 3.2, 0.62, "hard decode: exact zeros, gates on/off,\none activation per neuron", GREEN)
    box(ax, 5.35, 0.45, 2.9, 0.62, "refine the surviving weights\n(zeros and structure fixed)", GREEN)
    box(ax, 8.55, 0.45, 2.7, 0.62, "keep the smallest network within\na tolerance of the best held-out MSE",
        GREEN)
    box(ax, 11.0, 0.45, 1.6, 0.62, "SparseMLP\npredict: numpy", GREEN, bold=True)
    arrow(ax, (3.5, 0.45), (3.9, 0.45))
    arrow(ax, (6.8, 0.45), (7.2, 0.45))
    arrow(ax, (9.9, 0.45), (10.2, 0.45))

    fig.tight_layout()
    OUT.parent.mkdir(exist_ok=True)
    fig.savefig(OUT, dpi=110)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
