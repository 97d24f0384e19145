"""The former single entry point of the text-to-speech benchmarks, kept so that recorded commands run.

    python bench/tts_bench.py speed ...           →  python bench/tts_speed.py rtf ...
    python bench/tts_bench.py gpu-throughput ...  →  python bench/tts_speed.py gpu-throughput ...
    python bench/tts_bench.py quality [--fp8] ... →  python bench/tts_quality.py [--no-fp8] ...

Quality now reports standard mel-cepstral distortion (WORLD + SPTK, :mod:`tts.quality.mcd`); the
entries of bench/RESULTS.md made before it used 24 DCT cepstra of the log mel, which are not
comparable with published figures (two waveforms → DTW-MCD: ``tts.quality.mcd.audio_dtw_mcd``).
"""

from __future__ import annotations

import sys

import tts_quality
import tts_speed


def main(argv: list[str] | None = None) -> None:
    command, *rest = argv if argv is not None else sys.argv[1:] or ["--help"]
    if command == "speed":
        tts_speed.main(["rtf", *rest])
    elif command == "gpu-throughput":
        tts_speed.main([command, *rest])
    elif command == "quality":
        tts_quality.main([a for a in rest if a != "--fp8"] + ([] if "--fp8" in rest else ["--no-fp8"]))
    else:
        sys.exit(f"usage: python bench/tts_bench.py speed|gpu-throughput|quality [options]\n{__doc__}")


if __name__ == "__main__":
    main()
