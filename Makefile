# The README's commands. Each target sets up what it needs first (.ci/setup is idempotent).
.PHONY: setup demo test test-slow bench

setup:
	bash .ci/setup

demo: setup
	bash .ci/demo

test: setup
	.venv/bin/python -m pytest -q

test-slow: setup
	.venv/bin/python -m pytest -q -m slow

bench: setup
	.venv/bin/python benchmarks/run.py
