"""tokenizer_training — see docs/architecture.md."""
