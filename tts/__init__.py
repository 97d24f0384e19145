"""Text-to-speech for eleven languages of India: front end, teacher data, model, ONNX voice, batch."""
