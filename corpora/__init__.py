"""Corpus tools: read, count, deduplicate, check and mix the text that tokenizers and models learn from.

Each module does one job (see ``docs/corpora.md``): ``readers`` (plain text, JSONL, Parquet; gzip and
zstd), ``hf_reader``, ``manifest``, ``exact_dedup``, ``near_dedup``, ``deduplicate``, ``mixing``,
``contamination``, ``stats``. The two names other layers build on::

    >>> from corpora.mixing import mixing_weights, write_mix
    >>> mixing_weights({"hi": 16, "or": 1}, alpha=0.25)
    {'hi': 0.6666666666666666, 'or': 0.3333333333333333}
"""
