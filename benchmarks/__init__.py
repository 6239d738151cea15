"""Speed, memory and accuracy benchmarks of softmax_lib against PyTorch and scipy.

Run ``make bench`` (``python -m benchmarks``); ``python -m benchmarks --help``
lists the options for a quick run. The accuracy harness is also imported by
``tests/test_accuracy_harness.py``, which runs a fast subset in ``make test``.
"""
