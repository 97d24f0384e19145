"""A small CTC phoneme recognizer, trained on espeak-ng teacher speech, that scores what a voice says.

The quality benchmark asks: does the voice say the phonemes it was given? No listener and no
pretrained recognizer for eleven Indian languages are at hand, so we train our own on the teacher's
audio (training sentences only) and compare its phoneme error rate on the teacher's held-out audio
with its error rate on the voice's audio of the same sentences.

- :mod:`tts.recognizer.model` — log-mel frontend, convolutions, a bidirectional GRU, CTC over the shared
  phoneme inventory; greedy decoding.
- :mod:`tts.recognizer.checkpoint` — one float16 weights file plus a JSON card.
- :mod:`tts.recognizer.train` — ``python -m tts.recognizer.train --out DIR ...`` (teacher data from a
  folder written by :mod:`tts.data.teacher_store`, or synthesized in-process).
"""
