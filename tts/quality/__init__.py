"""Objective quality of a voice against its teacher: standard MCD, F0, voicing, PER and DNSMOS.

- :mod:`tts.quality.mcd` — WORLD + SPTK mel-cepstral distortion (aligned and DTW), F0 RMSE, voicing
  error (``pyworld``, ``pysptk``: the ``bench`` extra).
- :mod:`tts.quality.dtw` — the dynamic time warping path DTW-MCD uses.
- :mod:`tts.quality.per` — phoneme error rate (edit distance over phonemes).
- :mod:`tts.quality.dnsmos` — DNSMOS through ``speechmos``, a noise alarm.

``bench/tts_quality.py`` puts them in one table for the teacher, the fp32 voice and the FP8 voice.
The phoneme recognizer that PER needs lives in :mod:`tts.recognizer`.
"""
