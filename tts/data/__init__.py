"""Training data for voices: espeak-ng teacher synthesis, sentence lists, readers for real recordings."""
