"""``make benchmark``: the tool measured beside baselines in one run (issue 12; figures only).

``python -m benchmark --help`` lists the sizes; ``benchmark/README.md`` says what is measured.
"""
