"""softmax_lib: the companion library of the Softmax book.

Every chapter imports it as ``import softmax_lib as sl``. The modules follow
the book's table of contents.
"""

from ._version import __version__ as __version__

# Chapters 1-2: the formula and its stable evaluation
from .core import log_softmax, logsumexp, softmax, softmax_naive

# Chapter 2: measuring accuracy
from .accuracy import log_softmax_reference, logsumexp_reference, softmax_reference, ulp_error

# Chapter 3: temperature and sampling
from .temperature import ReliabilityCurve, entropy, expected_calibration_error, reliability_curve, sample

# Chapter 4: softmax regression
from .regression import SoftmaxRegression, cross_entropy, sigmoid, softmax_jacobian

# Chapter 5: the backward pass, fused (softmax_lib 0.2)
from .backward import log_softmax_backward, softmax_backward

# Chapter 5: exercise checkers
from .exercises import CaseResult, CheckResult, check_cross_entropy_grad, check_log_softmax, check_softmax

# Chapter 6: attention
from .attention import attention, causal_mask

# Chapter 7: online softmax and tiled attention
from .online import (
    SoftmaxState,
    merge_attention_states,
    merge_softmax_states,
    online_softmax,
    softmax_state,
    tiled_attention,
    tiled_attention_backward,
)

# Chapter 8: softmax's relatives and softmax at scale
from .relatives import chunked_cross_entropy, gumbel_softmax, softmax1, sparsemax, sparsemax_jacobian

# Figures
from .plotting import OKABE_ITO, use_book_style

__all__ = [
    # core
    "softmax",
    "log_softmax",
    "logsumexp",
    "softmax_naive",
    # chapter 2: accuracy
    "softmax_reference",
    "log_softmax_reference",
    "logsumexp_reference",
    "ulp_error",
    # chapter 3: temperature and sampling
    "entropy",
    "sample",
    "expected_calibration_error",
    "reliability_curve",
    "ReliabilityCurve",
    # chapter 4: regression
    "sigmoid",
    "cross_entropy",
    "softmax_jacobian",
    "SoftmaxRegression",
    # chapter 5: the backward pass
    "softmax_backward",
    "log_softmax_backward",
    # chapter 5: exercise checkers
    "check_softmax",
    "check_log_softmax",
    "check_cross_entropy_grad",
    "CheckResult",
    "CaseResult",
    # chapter 6: attention
    "attention",
    "causal_mask",
    # chapter 7: online softmax
    "online_softmax",
    "SoftmaxState",
    "softmax_state",
    "merge_softmax_states",
    "tiled_attention",
    "tiled_attention_backward",
    "merge_attention_states",
    # chapter 8: softmax's relatives and softmax at scale
    "softmax1",
    "sparsemax",
    "sparsemax_jacobian",
    "gumbel_softmax",
    "chunked_cross_entropy",
    # figures
    "OKABE_ITO",
    "use_book_style",
]
