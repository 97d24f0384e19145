"""tts — see docs/architecture.md."""
