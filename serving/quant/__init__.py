"""Low-precision numerics: FP8 (E4M3/E5M2), MXFP8, MXFP4 and NVFP4 in torch and ONNX.

One module per job, lowest first:

- ``formats`` — element formats (E4M3, E5M2, E2M1): saturating round-to-nearest-even, bit codes;
- ``e8m0`` — the MX power-of-two scale; ``packing`` — 4-bit codes two per byte; ``blocks`` — block layout;
- ``fp8``, ``mx``, ``nvfp4`` — the quantizers, each returning a dataclass with ``dequantize()``;
- ``spec`` — :class:`~serving.quant.spec.QuantSpec` and ``quantize`` / ``fake_quantize`` for any format;
- ``error`` — relative L2 error and SQNR; ``report`` — tables;
- ``ptq`` — ``quantize_linear_weights``, ``calibrate_activations``, ``sensitivity_report`` for torch models;
- ``onnx_fp8`` — ``quantize_onnx_model``: MatMul/Gemm weights behind DequantizeLinear.

>>> import torch
>>> from serving.quant.spec import QuantSpec, fake_quantize
>>> fake_quantize(torch.tensor([[0.1, 3.0]]), QuantSpec("fp8-e4m3")).tolist()
[[0.1004464328289032, 3.0]]
"""
