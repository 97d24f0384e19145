"""Torch model definitions of the voice: acoustic model, vocoder, and their end-to-end export wrapper."""
